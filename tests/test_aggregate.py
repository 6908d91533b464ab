"""Legal-basis and situation tags from their rule tables; State summaries."""

import pandas as pd

from pipeline.aggregate.tables import accusation_network, state_summary
from pipeline.evidence.legal_basis import clause_tags, evidence_tags, rules
from pipeline.evidence.situations import situation_of


def test_every_rule_says_why():
    assert all(rule.reasoning for rule in rules())
    assert {rule.tag for rule in rules()} == {
        "ARSIWA-16",
        "ARSIWA-41(2)",
        "GC-III(e)",
        "ATT-6/7",
        "GC-CA1",
        "UNSC-embargo",
    }


def test_evidence_tags_follow_the_table():
    assert evidence_tags("accuse", "military", "genocide", "") == "ARSIWA-16;ARSIWA-41(2);GC-III(e);ATT-6/7"
    assert (
        evidence_tags("affirm", "financial", "terrorism", "States must respect the arms embargo")
        == "ARSIWA-16;UNSC-embargo"
    )
    assert evidence_tags("deny", "unspecified", "war_crimes", "") == "ARSIWA-16;ARSIWA-41(2);GC-CA1"
    assert evidence_tags("none", "military", "genocide", "") == ""


def test_clause_tags():
    assert clause_tags("embargo", "military") == "ATT-6/7;UNSC-embargo"
    assert clause_tags("non-recognition", "diplomatic") == "ARSIWA-41(2)"


def test_situations_prefer_the_assisted_party():
    assert situation_of("Houthis", "Iran arms them", "The situation in the Middle East") == "Yemen"
    assert situation_of("", "support to the M23", "") == "Great Lakes"
    assert situation_of("", "", "Letter on the situation in Libya") == "Libya"
    assert situation_of("", "nothing here", "") == ""


def test_state_summary_counts_both_sides():
    evidence = pd.DataFrame(
        [
            {
                "evidence_id": "a",
                "doc_id": "d1",
                "date": "2016",
                "speaker_iso3": "SYR",
                "stance": "accuse",
                "assister": "TUR",
                "assisted": "ISIL",
                "confidence": 0.9,
            },
            {
                "evidence_id": "b",
                "doc_id": "d2",
                "date": "2017",
                "speaker_iso3": "SYR",
                "stance": "accuse",
                "assister": "TUR",
                "assisted": "ISIL",
                "confidence": 0.95,
            },
            {
                "evidence_id": "c",
                "doc_id": "d3",
                "date": "2016",
                "speaker_iso3": "TUR",
                "stance": "deny",
                "assister": "TUR",
                "assisted": "",
                "confidence": 0.6,
            },
        ]
    )
    states = state_summary(evidence)
    syr = states[(states["iso3"] == "SYR") & (states["role"] == "speaker")].iloc[0]
    assert (syr["count"], syr["documents"], syr["first_date"], syr["last_date"], syr["strongest_evidence_id"]) == (
        2,
        2,
        "2016",
        "2017",
        "b",
    )
    accused = states[(states["iso3"] == "TUR") & (states["role"] == "accused")].iloc[0]
    assert accused["count"] == 2
    network = accusation_network(evidence)
    assert network.to_dict("records")[0]["count"] == 2

from pipeline.countries import find_mentions, to_iso3


def test_un_forms_and_observers():
    assert to_iso3("Viet Nam") == "VNM"
    assert to_iso3("Türkiye") == "TUR"
    assert to_iso3("Syrian Arab Republic") == "SYR"
    assert to_iso3("Holy See") == "VAT"
    assert to_iso3("State of Palestine") == "PSE"
    assert to_iso3("European Union") == "EU"
    assert to_iso3("United Kingdom of Great Britain and Northern Ireland") == "GBR"
    assert to_iso3("Iran (Islamic Republic of)") == "IRN"
    assert to_iso3("Bolivarian Republic of Venezuela") == "VEN"


def test_namibia_is_not_missing_and_niger_is_not_nigeria():
    # country_converter's table read naively turns Namibia's ISO2 "NA" into a missing value.
    assert to_iso3("Namibia") == "NAM"
    assert to_iso3("Niger") == "NER"
    assert to_iso3("Nigeria") == "NGA"
    assert to_iso3("Congo") == "COG"
    assert to_iso3("Democratic Republic of the Congo") == "COD"


def test_unknown_is_empty_never_guessed():
    assert to_iso3("Ruritania") == ""
    assert to_iso3("") == ""


def test_mentions_find_states_adjectives_and_actors_in_order():
    found = find_mentions(
        "Turkey and Qatar arm ISIL, Iranian drones hit Saudi Arabia, the Houthis fire; chad is a verb."
    )
    assert [(m.text, m.code, m.kind) for m in found] == [
        ("Turkey", "TUR", "state"),
        ("Qatar", "QAT", "state"),
        ("ISIL", "ISIL", "actor"),
        ("Iranian", "IRN", "adjective"),
        ("Saudi Arabia", "SAU", "state"),
        ("Houthis", "Houthis", "actor"),
    ]

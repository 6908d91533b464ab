"""The clause corpus (corpora/clauses) and the refrain-clause model trained on it (models/clauses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from pipeline.classify.clauses import classify_clauses, clause_model_path, load_clause_model
from pipeline.classify.weights import verify_weights
from pipeline.ingest import ingest
from pipeline.segment import segment
from pipeline.segment.resolutions import is_candidate
from tests.conftest import ROOT, need_data

CORPUS = ROOT / "corpora" / "clauses"
CARD = ROOT / "models" / "clauses" / "card.json"


def _rows(name: str) -> dict[str, dict]:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in (json.loads(line) for line in lines if line)}


def test_every_candidate_paragraph_has_a_gold_label_and_refrain_clauses_have_their_slots():
    candidates, gold = _rows("candidates.jsonl"), _rows("gold.jsonl")
    assert set(gold) == set(candidates) and len(gold) >= 500
    refrain = [g for g in gold.values() if g["refrain"]]
    assert len(refrain) >= 95
    assert all(g["mode"] in {"embargo", "cease", "prevent", "refrain", "non-recognition"} for g in refrain)
    assert all(g["addressee"] for g in refrain)
    assert not any(g["mode"] or g["target"] for g in gold.values() if not g["refrain"])


def test_a_second_labelling_of_at_least_300_agrees():
    first, second = _rows("first.jsonl"), _rows("second.jsonl")
    both = sorted(set(first) & set(second))
    assert len(both) >= 300
    a1 = [first[i]["refrain"] for i in both]
    a2 = [second[i]["refrain"] for i in both]
    assert cohen_kappa_score(a1, a2) >= 0.8
    assert {first[i]["annotator"] for i in both}.isdisjoint({second[i]["annotator"] for i in both})


def test_the_corpus_is_what_the_pipeline_segments_from_the_real_resolutions():
    # Every labelled paragraph is an operative candidate the pipeline finds in the real files, text and all.
    folder = need_data("unsc-resolutions")
    candidates = _rows("candidates.jsonl")
    files = {c["file"] for c in candidates.values()}
    found = {}
    for name in sorted(files):
        doc = ingest(folder / name)
        for clause in segment(doc).clauses:
            if clause.kind == "operative" and is_candidate(clause.text):
                found[f"{doc.symbol}:{clause.para}"] = clause.text
    assert set(found) >= set(candidates)
    assert all(found[i] == c["text"] for i, c in candidates.items())


def test_the_shipped_model_is_verified_and_beats_the_rules_under_grouped_cross_validation():
    verify_weights(clause_model_path())
    card = json.loads(CARD.read_text(encoding="utf-8"))
    cv = card["metrics"]["cross_validation"]
    chosen = card["metrics"]["chosen"]
    assert cv[chosen]["f1"] > cv["rules"]["f1"] + 0.1
    assert card["data"]["paragraphs"] == len(_rows("gold.jsonl"))
    assert card["metrics"]["slots_by_rules"]["target"] >= 0.80
    assert set(card["metrics"]["learning_curve"]) == {"0.25", "0.5", "0.75", "1"}


def test_a_changed_model_file_is_refused(tmp_path):
    copy = tmp_path / "clauses"
    copy.mkdir()
    for item in Path(clause_model_path()).parent.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    data = bytearray((copy / "model.skops").read_bytes())
    data[-40] ^= 0xFF
    (copy / "model.skops").write_bytes(bytes(data))
    with pytest.raises(Exception, match="(?i)sha-?256|changed|differ"):
        load_clause_model(str(copy / "model.skops"))


def test_the_model_reads_a_real_resolution():
    doc = ingest(need_data("unsc-resolutions", "S_RES_0282_1970_EN_GOLD.txt"))
    clauses = classify_clauses(segment(doc).clauses, load_clause_model())
    operative = {c.para: c for c in clauses if c.kind == "operative"}
    four = operative["4"]  # "Calls upon all States to strengthen the arms embargo"
    assert (four.refrain, four.mode, four.addressee, four.target) == (True, "embargo", "all States", "ZAF")
    assert not operative["5"].refrain  # a request to the Secretary-General
    assert not operative["3"].refrain  # condemns violations: no call on States


def test_without_a_model_the_rules_still_give_an_anaphoric_clause_the_resolutions_party():
    # "Calls upon all States not to recognize this illegal authority": the party is named elsewhere in the resolution.
    doc = ingest(need_data("unsc-resolutions", "S_RES_0217_1965_EN_GOLD.txt"))
    clauses = segment(doc).clauses
    six = next(c for c in clauses if c.kind == "operative" and c.para == "6")
    assert six.refrain and six.target == ""  # the paragraph alone names no one
    classify_clauses(clauses, None)
    assert (six.refrain, six.mode, six.target) == (True, "non-recognition", "Southern Rhodesia")

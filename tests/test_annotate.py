"""d2r annotate: the least certain sentences, one key each, appended in the codebook format."""

import json

from pipeline.training.annotate import annotate_session, uncertain_sentences
from pipeline.training.corpus import load_examples
from tests.helpers import d2r


def test_annotate_appends_labels_in_the_codebook_format(tmp_path, sample_dir):
    out = tmp_path / "labels.jsonl"
    keys = iter(["a", "s", "n", "q"])
    shown = []
    written = annotate_session([sample_dir], 5, None, out, read_key=lambda: next(keys), write=shown.append)
    assert written == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["stance"] for r in rows] == ["accuse", "none"]
    assert all(r["split"] in ("train", "test") and r["text"] for r in rows)
    assert any(">>" in line for line in shown)
    assert [e.stance for e in load_examples(out)] == ["accuse", "none"]


def test_the_least_certain_come_first(sample_dir):
    from pipeline.classify.predict import load_model

    model = load_model()
    picked = uncertain_sentences([sample_dir], 4, None)
    distances = []
    for sentence, _ in picked:
        proba = model.predict_proba([(sentence.text, sentence.speaker_iso3, sentence.context)])[0]
        distances.append(abs((1 - proba[-1]) - model.threshold))
    assert distances == sorted(distances)


def test_annotate_command_reads_keys_from_a_pipe(tmp_path, sample_dir):
    out = tmp_path / "piped.jsonl"
    proc = d2r("annotate", sample_dir, "--n", "3", "--out", out, input="f\nn\n")
    assert "2 labels saved" in proc.stdout  # the third read finds the end of input and quits
    assert [json.loads(line)["stance"] for line in out.read_text().splitlines()] == ["affirm", "none"]
    empty = d2r("annotate", sample_dir, "--n", "2", "--out", tmp_path / "none.jsonl")
    assert "0 labels saved" in empty.stdout

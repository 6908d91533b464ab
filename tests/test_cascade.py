"""The stance cascade: the shipped linear model, with the fine-tuned encoder for the band it cannot decide."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from pipeline.classify import LABELS
from pipeline.classify.component import StanceComponent
from pipeline.classify.encoder import CascadeModel, StanceEncoder
from pipeline.classify.predict import check_model, load_model
from pipeline.errors import ModelFileError
from pipeline.training.corpus import load_corpus
from pipeline.training.crossval import pairs
from pipeline.training.evaluate import scores
from tests.conftest import ROOT

STANCE = ROOT / "models" / "stance"


@pytest.fixture(autouse=True)
def _fresh_models():
    load_model.cache_clear()  # every test loads what its own D2R_HOME holds
    yield
    load_model.cache_clear()


@pytest.fixture
def copied_home(tmp_path, monkeypatch):
    """A D2R_HOME with a copy of the shipped models, to damage."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    monkeypatch.setenv("D2R_HOME", str(tmp_path))
    monkeypatch.delenv("D2R_MODEL", raising=False)
    return tmp_path


def test_the_shipped_model_is_the_cascade_and_linear_asks_for_the_first_stage():
    cascade = load_model()
    assert isinstance(cascade, CascadeModel) and isinstance(cascade.linear, StanceComponent)
    assert cascade.meta_["name"].endswith("+encoder")
    assert isinstance(load_model("linear"), StanceComponent)
    settings = json.loads((STANCE / "encoder" / "encoder.json").read_text())
    assert settings["labels"] == list(LABELS) and 0 < settings["band"] < 1 and 0 < settings["weight"] <= 1


def test_the_cascade_scores_the_test_split_as_its_card_says():
    """The card's cascade figures are what the committed files give (nothing typed in by hand)."""
    card = json.loads((STANCE / "card.json").read_text())["metrics"]["cascade"]
    test = [e for e in load_corpus() if e.split == "test"]
    model = load_model()
    predicted = [str(s) for s in model.predict(pairs(test))]
    result = scores([e.stance for e in test], predicted)
    assert abs(result["macro_f1"] - card["test"]["macro_f1"]) < 0.002
    assert abs(result["relevance_f1"] - card["test"]["relevance_f1"]) < 0.002
    # The encoder sees the band only: a minority of the test split, every sentence past the gate.
    items = pairs(test)
    assert 0 < len(model.band_of(items, model.linear.predict_proba(items))) < 0.5 * len(test)


def test_the_encoder_changes_only_the_band_it_sees():
    model = load_model()
    items = [
        ("Syria has never supplied weapons to any armed group.", "SYR", "Syria arms terrorists, said Turkey."),
        ("We thank the Secretary-General for his report.", "FRA", ""),
        ("The weather in New York was fine this week.", "USA", ""),
    ]
    linear = model.linear.predict_proba(items)
    cascade = model.predict_proba(items)
    band = 1 - linear[:, LABELS.index("none")] >= model.band
    assert np.allclose(cascade[~band], linear[~band])  # sentences below the band keep the linear scores
    assert np.allclose(cascade.sum(axis=1), 1.0)


def test_the_encoder_scores_a_sentence_the_same_in_any_batch():
    encoder = StanceEncoder(STANCE / "encoder")
    items = [
        ("Eritrea categorically rejects the allegation that it supplies arms to Al-Shabaab.", "ERI", ""),
        ("Iran continues to arm the Houthis.", "SAU", "The Council met on Yemen."),
        ("States must refrain from assisting the commission of such acts.", "MEX", ""),
    ]
    alone = np.vstack([encoder.predict_proba([item]) for item in items])
    together = encoder.predict_proba(items[::-1])[::-1]
    assert np.allclose(alone, together, atol=1e-5)  # padding does not leak into the scores
    assert np.allclose(together.sum(axis=1), 1.0)


def test_a_changed_encoder_file_is_refused_in_one_line(copied_home):
    path = copied_home / "models" / "stance" / "encoder" / "model.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="SHA-256 differs from the model card") as info:
        check_model()
    assert "model.onnx" in str(info.value) and "\n" not in str(info.value)
    assert isinstance(load_model("linear"), StanceComponent)  # the first stage alone still runs


def test_a_deleted_encoder_is_an_error_not_a_silent_fall_back(copied_home):
    shutil.rmtree(copied_home / "models" / "stance" / "encoder")
    with pytest.raises(ModelFileError, match=r"stance encoder is missing.*--model linear"):
        load_model()
    (copied_home / "models" / "stance" / "encoder").mkdir()  # an empty folder: its files are listed, not there
    with pytest.raises(ModelFileError, match="listed in the model card but missing"):
        check_model()


def test_a_missing_runtime_names_what_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    with pytest.raises(ModelFileError, match="needs onnxruntime and tokenizers") as info:
        check_model()
    assert "--model linear" in str(info.value)
    check_model("linear")  # nothing of the encoder is needed for the first stage alone


def test_the_cache_keys_the_cascade_and_the_linear_stage_apart():
    from pipeline.run.identity import model_identity

    assert model_identity(None) != model_identity("linear")
    assert model_identity(None).startswith(model_identity("linear") + "+")


def test_classify_command_with_and_without_the_encoder(tmp_path):
    rows = [
        {"id": "a", "text": "Turkey continues to supply weapons to terrorist groups in Syria.", "speaker": "SYR"},
        {"id": "b", "text": "My country has never provided any weapons to the rebels.", "speaker": "RWA"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    outputs = {}
    for option in ([], ["--model", "linear"]):
        out = tmp_path / f"out{len(option)}.jsonl"
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "classify", str(source), "--out", str(out), *option],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        outputs[len(option)] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in outputs[0]] == ["a", "b"] == [r["id"] for r in outputs[2]]
    assert all(set(r["scores"]) == set(LABELS) for r in outputs[0] if r["stance"] != "none")


def test_the_band_is_chosen_where_the_encoder_helps():
    from pipeline.training.encoder import choose_cascade

    gold = ["accuse", "none", "deny", "none"]
    linear = np.array(
        [
            [0.0, 0.6, 0.0, 0.0, 0.4],  # decided right by the linear model
            [0.0, 0.0, 0.0, 0.0, 1.0],
            [0.0, 0.25, 0.0, 0.0, 0.75],  # a denial the linear model misses and calls accuse
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    )
    encoded = np.array([[0, 0.9, 0, 0, 0.1], [0, 0, 0, 0, 1], [0, 0, 0.9, 0, 0.1], [0, 0, 0, 0, 1.0]])
    chosen = choose_cascade(gold, linear, encoded, np.array([True, True, True, True]))
    assert chosen["band"] <= 0.25  # the missed denial is inside the band
    assert chosen["development"]["per_label"]["deny"]["f1"] == 1.0
    assert chosen["development"]["per_label"]["accuse"]["f1"] == 1.0


@pytest.mark.slow
def test_train_fast_retrains_the_linear_stage_and_keeps_the_encoder(tmp_path):
    """``d2r train --fast``: no torch needed; the encoder and its card entry stay, its hashes are listed."""
    from pipeline.classify.weights import verify_weights
    from pipeline.training.fit import train

    corpus = load_corpus()
    # Every speech with a denial or an admission (the rare labels need a few per fold), and some more.
    rare = {e.speech for e in corpus if e.stance in ("deny", "admit")}
    speeches = rare | set(sorted({e.speech for e in corpus if e.stance != "none"} - rare)[:80])
    rows = [e for e in corpus if e.speech in speeches]
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    with (annotations / "slice.jsonl").open("w") as out:
        for e in rows:
            row = {k: v for k, v in e.__dict__.items() if k != "slots"}
            out.write(json.dumps({**row, **e.slots}) + "\n")
    models = tmp_path / "models"
    (models / "stance").mkdir(parents=True)
    shutil.copytree(STANCE / "encoder", models / "stance" / "encoder")
    shutil.copy(STANCE / "card.json", models / "stance" / "card.json")
    card = train(models, annotations, spacy_model=False, encoder=False, log=lambda m: None)
    assert card["metrics"]["cascade"]["kept_from_earlier_training"] is True
    assert {"encoder/model.onnx", "spacy/d2r_stance/weights.msgpack", "model.skops"} <= set(card["weights"])
    verify_weights(models / "stance" / "encoder")
    assert "kept from an earlier training" in (models / "stance" / "card.md").read_text()


def test_train_without_torch_stops_at_once_naming_what_to_install(tmp_path, monkeypatch):
    import builtins

    from pipeline.training.fit import train

    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ModelFileError, match=r"needs torch.*encoder-train.*--fast"):
        train(tmp_path / "models", tmp_path / "nothing-read-yet", log=lambda m: None)
    assert not (tmp_path / "models").exists()

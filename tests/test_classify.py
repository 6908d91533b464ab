"""The stance classifier: learning, known sentences, slots, safe model files."""

import json
import pickle
import zipfile

import numpy as np
import pytest

from pipeline.classify import LABELS
from pipeline.classify.cues import baseline_stance, has_cue
from pipeline.classify.model import StanceClassifier, load_skops
from pipeline.classify.predict import classify, load_model
from pipeline.classify.slots import extract_slots, resolve_speaker
from pipeline.classify.weights import write_weights
from pipeline.errors import ModelFileError
from pipeline.ingest import ingest
from pipeline.paths import default_model_path
from pipeline.segment import segment
from pipeline.training.corpus import load_corpus
from pipeline.training.evaluate import agreement, scores
from tests.conftest import need_data
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_the_corpus_meets_the_codebook(corpus):
    assert len(corpus) >= 2000
    counts = {label: sum(e.stance == label for e in corpus) for label in LABELS}
    assert sum(v for k, v in counts.items() if k != "none") >= 500
    assert all(counts[label] > 0 for label in LABELS)
    # The split is grouped by speech: no speech on both sides.
    train = {e.speech for e in corpus if e.split == "train"}
    test = {e.speech for e in corpus if e.split == "test"}
    assert train and test and not (train & test)


def test_a_model_learns_a_small_fixed_slice(corpus):
    relevant = [e for e in corpus if e.stance in ("accuse", "affirm")][:120]
    none = [e for e in corpus if e.stance == "none" and has_cue(e.text)][:120]
    slice_ = relevant + none
    model = StanceClassifier(C=30, random_state=0).fit(
        [(e.text, e.speaker) for e in slice_], [e.stance for e in slice_]
    )
    predicted = model.predict([(e.text, e.speaker) for e in slice_])
    accuracy = np.mean(predicted == np.array([e.stance for e in slice_]))
    assert accuracy >= 0.9, accuracy
    proba = model.predict_proba([(e.text, e.speaker) for e in slice_[:5]])
    assert proba.shape == (5, 5) and np.allclose(proba.sum(axis=1), 1.0)


def test_sentences_without_a_cue_cost_nothing_and_are_none():
    model = load_model()
    proba = model.predict_proba(["The weather in New York was pleasant during the session."])
    assert proba[0][LABELS.index("none")] == 1.0


@pytest.fixture(scope="module")
def shipped():
    return load_model()


def _sentences(path):
    doc = ingest(path)
    return segment(doc).sentences


def test_known_sentences_from_the_general_debate(shipped):
    syr = _sentences(need_data("ungdc", "Session 71 - 2016", "SYR_71_2016.txt"))
    turkey = next(s for s in syr if s.text.startswith("Meanwhile, Turkey has opened its border"))
    rus = _sentences(need_data("ungdc", "Session 71 - 2016", "RUS_71_2016.txt"))
    request = next(s for s in rus if s.text.startswith("Largely thanks to Russia"))
    picked = [turkey, request]
    predictions = classify([(s.text, s.speaker_iso3, s.context) for s in picked], shipped)
    assert [p.stance for p in predictions] == ["accuse", "admit"]
    assert predictions[0].slots["assister"] == "TUR"
    assert predictions[1].slots["assister"] == "SPEAKER"
    assert set(predictions[0].scores) == set(LABELS)


def test_humanitarian_aid_is_none(shipped):
    (p,) = classify([("We have provided $50 million in humanitarian aid to the people of Yemen.", "GBR")], shipped)
    assert p.stance == "none"


def test_speaker_resolution():
    slots = extract_slots("My country has never supplied weapons to any terrorist group.", "deny", "SYR")
    assert slots["assister"] == "SPEAKER"
    assert resolve_speaker(slots["assister"], "SYR") == "SYR"
    assert resolve_speaker("TUR", "SYR") == "TUR"


def test_slots_follow_the_codebook_examples():
    s = extract_slots("The drones that strike our cities are supplied by Iran.", "accuse", "UKR")
    assert (s["assister"], s["assistance"]) == ("IRN", "military")
    s = extract_slots(
        "Certain neighbouring States continue to arm and finance the terrorist groups operating in our north.",
        "accuse",
        "MLI",
    )
    assert (
        s["assister"] == "Certain neighbouring States"
        and s["assistance"] == "military"
        and s["violation"] == "terrorism"
    )
    assert extract_slots("We condemn the atrocities.", "none", "FRA") == {
        "assister": "",
        "assisted": "",
        "assistance": "",
        "violation": "",
    }


def test_loading_refuses_pickle(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"model": "anything"}))
    with pytest.raises(ModelFileError, match="pickle"):
        load_skops(path)
    disguised = tmp_path / "model.skops"
    disguised.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(ModelFileError, match="pickle"):
        StanceClassifier.load(disguised)


def test_loading_refuses_untrusted_types(tmp_path):
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    path = tmp_path / "other.skops"
    sio.dump({"model": DecisionTreeClassifier().fit([[0], [1]], [0, 1])}, path)
    with pytest.raises(ModelFileError, match="does not trust"):
        load_skops(path)


def test_the_shipped_model_loads_and_has_a_card():
    assert zipfile.is_zipfile(default_model_path().parent / "model.skops")
    assert (default_model_path() / "config.cfg").is_file() and (
        default_model_path() / "d2r_stance" / "weights.msgpack"
    ).is_file()
    card = json.loads((default_model_path().parent / "card.json").read_text())
    for key in ("data", "labels", "metrics", "date", "version", "versions"):
        assert key in card
    assert card["labels"] == list(LABELS)
    assert "test" in card["metrics"] and "baseline_test" in card["metrics"]


def test_the_spacy_form_scores_exactly_as_the_estimator(corpus):
    """The run-time first stage is the skops estimator's numbers, not a different model."""
    import sys

    shipped = load_model("linear")
    estimator = StanceClassifier.load(default_model_path().parent / "model.skops")
    items = [(e.text, e.speaker, e.context) for e in corpus[:1500]]
    assert sum(has_cue(text) for text, _, _ in items) > 300
    assert np.abs(shipped.predict_proba(items) - estimator.predict_proba(items)).max() < 1e-9
    assert list(shipped.predict(items)) == list(estimator.predict(items))
    assert shipped.threshold == estimator.threshold
    # Loading the spaCy form alone needs no scikit-learn.
    import subprocess

    code = (
        "import sys; from pipeline.classify.predict import load_model; m = load_model(); "
        "m.predict_proba(['Iran arms the Houthis.']); print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # the cascade with its encoder included


def test_the_spacy_form_is_a_spacy_pipeline_component(shipped):
    import spacy

    nlp = spacy.load(default_model_path())
    assert nlp.pipe_names == ["d2r_stance"]
    doc = nlp.make_doc("Certain neighbouring States continue to arm and finance the terrorist groups that attack us.")
    doc.user_data["speaker"] = "SYR"
    doc = nlp.get_pipe("d2r_stance")(doc)
    assert set(doc.cats) == set(LABELS) and abs(sum(doc.cats.values()) - 1) < 1e-9
    assert max(doc.cats, key=doc.cats.get) == "accuse"


def test_the_gate_folds_case_like_ignorecase_beyond_ascii():
    assert has_cue("They keep FUNDİNG the militias.") and has_cue("ARMS FOR THE MILITIAS")
    assert not has_cue("Günaydın, dear colleagues.")


def test_weights_that_do_not_fit_together_are_refused(tmp_path):
    import shutil

    import srsly

    folder = tmp_path / "model"
    shutil.copytree(default_model_path(), folder)
    weights = srsly.read_msgpack(folder / "d2r_stance" / "weights.msgpack")
    weights["coef"] = weights["coef"][:, :10]
    srsly.write_msgpack(folder / "d2r_stance" / "weights.msgpack", weights)
    with pytest.raises(ModelFileError, match="no model card lists"):
        load_model(str(folder))  # copied without its card: unverified, refused
    write_weights(folder)  # a card that vouches for the cut weights: their shapes are still checked
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(str(folder))


def test_a_broken_model_folder_is_a_one_line_error(tmp_path):
    (tmp_path / "config.cfg").write_text("[nlp]\n")
    write_weights(tmp_path)
    with pytest.raises(ModelFileError, match="not a d2r stance model folder"):
        load_model(str(tmp_path))
    (tmp_path / "d2r_stance").mkdir()
    (tmp_path / "d2r_stance" / "weights.msgpack").write_bytes(b"\x93not msgpack at all")
    with pytest.raises(ModelFileError, match="not listed in the model card"):
        load_model(str(tmp_path))
    write_weights(tmp_path)
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(str(tmp_path))


def test_scores_and_agreement_are_right_on_a_tiny_case():
    gold = ["accuse", "none", "none", "affirm"]
    pred = ["accuse", "none", "accuse", "none"]
    result = scores(gold, pred)
    assert result["per_label"]["accuse"]["precision"] == 0.5
    assert result["per_label"]["accuse"]["recall"] == 1.0
    assert result["confusion"][LABELS.index("none")][LABELS.index("accuse")] == 1
    assert agreement(gold, gold)["kappa"] == 1.0


def test_baseline_labelling_functions():
    assert baseline_stance("We call upon all States to refrain from supplying arms to the junta.") == "affirm"
    assert baseline_stance("The allegations that we support terrorists are baseless and fabricated.") == "deny"
    assert baseline_stance("We condemn the atrocities committed in Bucha.") == "none"


def test_the_spacy_textcat_learns_a_slice_and_loads_as_a_run_model(corpus, tmp_path):
    from pipeline.classify.textcat import TextcatModel
    from pipeline.training.crossval import fit_textcat

    relevant = [e for e in corpus if e.stance == "accuse" and has_cue(e.text)][:80]
    none = [e for e in corpus if e.stance == "none" and has_cue(e.text)][:80]
    slice_ = relevant + none
    model = TextcatModel(fit_textcat(slice_, seed=0), threshold=0.5)
    model.to_disk(tmp_path / "textcat", meta={"name": "stance-textcat"})
    write_weights(tmp_path / "textcat")  # what d2r train does after writing it
    loaded = load_model(str(tmp_path / "textcat"))  # the run path takes a textcat folder too
    assert isinstance(loaded, TextcatModel) and loaded.threshold == 0.5
    items = [(e.text, e.speaker, e.context) for e in slice_]
    predicted = loaded.predict(items)
    assert np.mean(predicted == np.array([e.stance for e in slice_])) >= 0.8
    # The same gate as the linear model: no assistance word, none with certainty.
    assert loaded.predict_proba(["We condemn the atrocities."])[0][LABELS.index("none")] == 1.0
    assert classify(["We condemn the atrocities."], loaded)[0].stance == "none"


def test_slots_read_backed_by_and_a_pronoun_resolved_from_context():
    assert extract_slots("Iran-backed militias besieged the embassy.", "accuse", "USA")["assister"] == "IRN"
    assert (
        extract_slots("Our cities are shelled by rebels armed to the teeth by Iran.", "accuse", "ISR")["assister"]
        == "IRN"
    )
    s = extract_slots(
        "It has moved terrorists and mercenaries from Syria to Libya and continues to arm them.",
        "accuse",
        "SYR",
        context="Turkey continues its aggression against my country.",
    )
    assert s["assister"] == "TUR"
    # Without a pronoun the context is not read: the codebook uses it for pronouns only.
    assert (
        extract_slots("Some continue to arm them.", "accuse", "SYR", context="Turkey continues its aggression.")[
            "assister"
        ]
        == ""
    )
    assert extract_slots("No State may sponsor terrorism.", "affirm", "FRA")["assisted"] == "terrorists"


def test_agreement_is_reported_on_the_test_split(tmp_path):
    from pipeline.training.corpus import load_examples
    from pipeline.training.fit import annotator_agreement

    rows = [
        {"id": "a", "text": "x", "speaker": "FRA", "source": "s1", "stance": "accuse", "split": "test", "speech": "s1"},
        {"id": "b", "text": "y", "speaker": "FRA", "source": "s1", "stance": "none", "split": "test", "speech": "s1"},
        {
            "id": "c",
            "text": "z",
            "speaker": "FRA",
            "source": "s2",
            "stance": "affirm",
            "split": "train",
            "speech": "s2",
        },
    ]
    (tmp_path / "agreement").mkdir()
    (tmp_path / "first.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    second = [dict(rows[0]), dict(rows[1], stance="accuse"), dict(rows[2])]
    (tmp_path / "agreement" / "second.jsonl").write_text("\n".join(json.dumps(r) for r in second) + "\n")
    corpus_ = load_examples(tmp_path / "first.jsonl")
    result = annotator_agreement(tmp_path, corpus_)
    assert result["all"]["n"] == 3 and result["test"]["n"] == 2
    assert result["test"]["share_of_test_split"] == 1.0
    assert result["test"]["observed_agreement"] == 0.5


def test_the_shipped_card_lists_every_weight_file_with_its_hash():
    from pipeline.classify.weights import verify_weights, weight_files

    card = json.loads((ROOT / "models" / "stance" / "card.json").read_text())
    shipped = ROOT / "models" / "stance"
    files = {p.relative_to(shipped).as_posix() for folder in ("spacy", "encoder") for p in weight_files(shipped / folder)}
    assert set(card["weights"]) == files | {"model.skops"}
    assert {"encoder/model.onnx", "encoder/tokenizer.json", "encoder/encoder.json"} <= files
    verify_weights(shipped / "spacy")
    verify_weights(shipped / "model.skops")
    verify_weights(shipped / "encoder")


@pytest.mark.parametrize("target", ["spacy/d2r_stance/weights.msgpack", "spacy/config.cfg", "model.skops"])
def test_a_weight_file_changed_by_one_byte_is_refused(tmp_path, target):
    import shutil

    copy = tmp_path / "stance"
    shutil.copytree(ROOT / "models" / "stance", copy)
    path = copy / target
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one byte
    path.write_bytes(bytes(data))
    model = copy / ("model.skops" if target == "model.skops" else "spacy")
    with pytest.raises(ModelFileError, match=r"SHA-256 differs from the model card") as info:
        load_model(str(model))
    assert target.rsplit("/", 1)[-1] in str(info.value) and "\n" not in str(info.value)
    unchanged = copy / ("spacy" if target == "model.skops" else "model.skops")
    assert load_model(str(unchanged)) is not None  # the other model under the same card still loads


def test_a_file_changed_after_it_was_verified_is_refused_in_the_same_process(tmp_path, monkeypatch):
    """Hashes are remembered per process (one read of the encoder per run), never past a change to the file."""
    import shutil
    import time

    from pipeline.classify import weights

    copy = tmp_path / "stance"
    shutil.copytree(ROOT / "models" / "stance", copy)
    path = copy / "model.skops"
    hashed = []
    real_sha = weights.sha256_file
    monkeypatch.setattr(weights, "sha256_file", lambda p: hashed.append(p) or real_sha(p))
    clock = time.time_ns
    monkeypatch.setattr(weights.time, "time_ns", lambda: clock() + 10_000_000_000)  # the copy looks old
    weights.verify_weights(path)
    first = weights.model_file_sha(path)
    assert len(hashed) == 1  # remembered: the second call read nothing
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    assert weights.model_file_sha(path) != first and len(hashed) == 2  # its times moved: read again
    with pytest.raises(ModelFileError, match="SHA-256 differs"):
        weights.verify_weights(path)
    monkeypatch.setattr(weights.time, "time_ns", clock)
    before = len(hashed)
    path.write_bytes(bytes(data))
    weights.model_file_sha(path)
    weights.model_file_sha(path)
    assert len(hashed) == before + 2  # a file changed within two seconds is read every time, never remembered


def test_a_weight_file_listed_but_missing_is_refused(tmp_path):
    import shutil

    copy = tmp_path / "stance"
    shutil.copytree(ROOT / "models" / "stance", copy)
    (copy / "spacy" / "tokenizer").unlink()
    with pytest.raises(ModelFileError, match="listed in the model card but missing"):
        load_model(str(copy / "spacy"))


def test_a_precision_sample_of_an_earlier_model_is_shown_as_stale():
    from pipeline.training.card import _card_precision

    sample = {"name": "s", "n": 200, "share": 0.57, "low": 0.5, "high": 0.64, "model_agreement": 0.68}
    fresh = [{"min_confidence": 0.5, "n": 114, "share": 0.76}]
    lines = _card_precision({"samples": [dict(sample, stale=True, by_confidence=fresh)]})
    assert "stale" in lines[2] and "68%" in lines[2] and "confidence" not in lines[2]
    lines = _card_precision({"samples": [dict(sample, stale=False, by_confidence=fresh)]})
    assert "stale" not in lines[2] and "76% at confidence >= 0.5 (114 rows)" in lines[2]

"""``d2r train``: rebuild every model from ``corpora/`` and write the model card.

Steps, each reproducible (fixed seeds):

1. read the annotated corpus and its fixed, speech-grouped split;
2. score the transparent baseline (cue labelling functions) on the test split;
3. choose the linear model's regularisation by grouped 5-fold cross-validation
   on the train split (no speech in two folds);
4. train a spaCy ``textcat`` from scratch (``textcat.cfg``) on the same train
   split, for comparison;
5. fit the chosen scikit-learn model on the train split, score it on the test
   split (stance and slots), and save it with skops;
6. fine-tune the cascade's encoder and choose its band (``training/encoder.py``;
   skipped by ``encoder=False``, ``d2r train --fast``, which keeps the encoder there is);
7. write ``models/stance/card.md`` and ``card.json``.
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.classify import LABELS, Item
from pipeline.classify.cues import baseline_stance
from pipeline.classify.model import StanceClassifier
from pipeline.classify.slots import extract_slots
from pipeline.classify.textcat import TextcatModel
from pipeline.classify.weights import record_weights, write_weights
from pipeline.paths import annotations_dir
from pipeline.training.card import data_counts, running_text_precision, versions, write_card
from pipeline.training.corpus import Example, load_corpus, load_examples, synthetic_examples
from pipeline.training.crossval import cross_validate, cross_validate_textcat, fit_textcat, pairs, speaker_of
from pipeline.training.evaluate import agreement, scores, slot_accuracy


@dataclass
class _Linear:
    """The linear model chosen by grouped cross-validation, and its scores."""

    model: StanceClassifier
    C: float
    threshold: float
    cv: dict[tuple[float, float], dict[str, Any]]
    test: dict[str, Any]


@dataclass
class _Textcat:
    """The spaCy textcat trained for comparison, and its scores."""

    model: TextcatModel | None = None
    cv: dict[float, dict[str, Any]] | None = None
    test: dict[str, Any] | None = None


def train(
    models_dir: Path,
    corpus_dir: Path | None = None,
    seed: int = 0,
    spacy_model: bool = True,
    log: Callable[[str], None] = print,
    reviewed: list[Example] | None = None,
    encoder: bool = True,
) -> dict[str, Any]:
    """Train, evaluate and save the stance models; return the model card as a dict.

    ``reviewed`` (from :func:`~pipeline.training.corpus.reviewed_examples`)
    joins the train split only; the card counts it. ``encoder=False`` retrains
    the linear stage alone and keeps the encoder folder (and its card entry) as it is.
    """
    corpus_dir = Path(corpus_dir) if corpus_dir else annotations_dir()
    if encoder:  # before the linear stage's minutes: a missing torch is a one-line error now
        from pipeline.training.encoder import require_torch

        require_torch()
    random.seed(seed)
    np.random.seed(seed)
    corpus = load_corpus(corpus_dir)
    synthetic = synthetic_examples(corpus, corpus_dir)  # train split only, with their sources' speeches
    train_set = [e for e in corpus if e.split != "test"] + list(reviewed or []) + synthetic
    test_set = [e for e in corpus if e.split == "test"]
    if not train_set or not test_set:
        raise ValueError(f"{corpus_dir}: the corpus needs both train and test sentences")
    log(
        f"corpus: {len(corpus)} sentences ({len(train_set) - len(synthetic)} train, {len(test_set)} test)"
        f" and {len(synthetic)} annotators' paraphrases in the train split"
    )

    gold = [e.stance for e in test_set]
    baseline = scores(gold, [baseline_stance(e.text, speaker_of(e)) for e in test_set])
    log(f"  baseline (cue labelling functions): test {_figures(baseline)}")
    linear = _choose_linear(train_set, test_set, seed, log)
    slots = slot_accuracy(test_set, [extract_slots(e.text, e.stance, speaker_of(e), e.context) for e in test_set])
    log(f"  slots on test (gold stance): {slots}")
    textcat = _textcat(train_set, test_set, seed, log) if spacy_model else _Textcat()
    # The two model families compete on the same grouped folds; the better
    # cross-validated macro-F1 becomes the run model (models/stance/spacy).
    chosen = "scikit-learn"
    if textcat.cv:
        best = max(textcat.cv.values(), key=lambda r: r["macro_f1"])
        if best["macro_f1"] > linear.cv[(linear.C, linear.threshold)]["macro_f1"]:
            chosen = "spaCy textcat"
    log(f"  run model, chosen by grouped cross-validation: {chosen}")
    human = annotator_agreement(corpus_dir, corpus)
    for part, h in (human or {}).items():
        log(f"  annotators ({part}): kappa {h['kappa']:.3f}, {_figures(h)} on {h['n']} doubly labelled sentences")

    card = _card(corpus + list(reviewed or []), linear, textcat, baseline, slots, human, chosen, seed)
    card["data"]["reviewed"] = len(reviewed or [])  # reviewers' decisions in the train split
    card["data"]["synthetic"] = dict(Counter(e.stance for e in synthetic))  # paraphrases, train split only
    _save(models_dir, linear, textcat, chosen, card, pairs(test_set))
    stance = models_dir / "stance"
    card["metrics"]["cascade"] = _cascade(stance, train_set, test_set, linear, encoder, seed, log)
    card["metrics"]["running_text_precision"] = running_text_precision(
        _run_model(linear.model, stance / "encoder"), corpus_dir / "precision"
    )
    card = record_weights(card, [stance / "model.skops", stance / "spacy", stance / "encoder"], stance)
    write_card(stance, card)
    if textcat.model is not None:
        write_weights(models_dir / "stance-spacy")
    return card


def _cascade(
    stance: Path,
    train_set: list[Example],
    test_set: list[Example],
    linear: _Linear,
    encoder: bool,
    seed: int,
    log: Callable[[str], None],
) -> dict[str, Any] | None:
    """The encoder stage fine-tuned and placed in ``stance/encoder``, or the earlier one's card entry kept."""
    folder = stance / "encoder"
    if not encoder:
        try:
            earlier = json.loads((stance / "card.json").read_text(encoding="utf-8"))["metrics"].get("cascade")
        except (OSError, ValueError, KeyError, TypeError):
            earlier = None
        if earlier and folder.is_dir():
            log("  encoder: kept from the earlier training (d2r train --fast)")
            return {**earlier, "kept_from_earlier_training": True}
        return None
    from pipeline.training.encoder import train_encoder

    started = time.time()
    result: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        result.update(train_encoder(train_set, test_set, linear.C, linear.model, tmp, seed, log))

    _replace_folder(folder, write)
    result.pop("predictions", None)
    result["linear_test"] = linear.test
    result["minutes_with_export"] = round((time.time() - started) / 60, 1)
    log(f"  cascade: test {_figures(result['test'])} (linear alone {_figures(linear.test)})")
    return result


def _run_model(linear: StanceClassifier, encoder: Path) -> Any:
    """What ``d2r run`` will use: the cascade when an encoder is in place, else the linear model."""
    if not (encoder / "encoder.json").is_file():
        return linear
    from pipeline.classify.encoder import CascadeModel, StanceEncoder

    return CascadeModel(linear, StanceEncoder(encoder))


def _figures(result: dict[str, Any]) -> str:
    return f"macro-F1 {result['macro_f1']:.3f}  relevance F1 {result['relevance_f1']:.3f}"


def _choose_linear(train_set: list[Example], test_set: list[Example], seed: int, log: Callable[[str], None]) -> _Linear:
    """C and threshold by grouped 5-fold CV on the train split; then fit on all of it and score on test."""
    cv = cross_validate(train_set, seed=seed, log=log)
    best_c, best_t = max(cv, key=lambda k: (cv[k]["macro_f1"], -k[0], -k[1]))
    model = StanceClassifier(C=best_c, threshold=best_t, random_state=seed)
    model.fit(pairs(train_set), [e.stance for e in train_set])
    test = scores([e.stance for e in test_set], list(model.predict(pairs(test_set))))
    log(f"  chosen: scikit-learn C={best_c}, threshold {best_t}: test {_figures(test)}")
    return _Linear(model, best_c, best_t, cv, test)


def _textcat(train_set: list[Example], test_set: list[Example], seed: int, log: Callable[[str], None]) -> _Textcat:
    """The spaCy textcat from scratch: threshold by grouped CV, fitted on the train split, scored on test."""
    cv = cross_validate_textcat(train_set, seed=seed, log=log)
    threshold = max(cv, key=lambda t: (cv[t]["macro_f1"], -t))
    model = TextcatModel(fit_textcat(train_set, seed), threshold)
    test = scores([e.stance for e in test_set], list(model.predict(pairs(test_set))))
    log(f"  spaCy textcat (from scratch, threshold {threshold}): test {_figures(test)}")
    return _Textcat(model, cv, test)


def _card(
    corpus: list[Example],
    linear: _Linear,
    textcat: _Textcat,
    baseline: dict[str, Any],
    slots: dict[str, Any],
    human: dict[str, Any] | None,
    chosen: str,
    seed: int,
) -> dict[str, Any]:
    """The model card as a dict (``card.json``)."""
    runtime = (
        "spacy/: the same numbers as a spaCy model folder (component d2r_stance, weights in msgpack); "
        "what d2r run and d2r classify load, without scikit-learn"
        if chosen == "scikit-learn"
        else "spacy/: the spaCy textcat, which scored higher in grouped cross-validation; what d2r run and d2r classify load"
    )
    return {
        "name": "stance",
        "version": __version__,
        "date": _dt.date.today().isoformat(),
        "task": "sentence stance on the duty to refrain (CODEBOOK.md): " + ", ".join(LABELS),
        "labels": list(LABELS),
        "model": {
            "kind": "scikit-learn: cue gate, TF-IDF word 1-2-grams + char 3-4-grams (with the words within 6 of each assistance word marked near), class-balanced logistic regression, sigmoid-calibrated",
            "C": linear.C,
            "threshold": linear.threshold,
            "chosen_by_cross_validation": chosen,
            "file": "model.skops",
            "format": "skops (loaded with an explicit list of trusted types; never pickle)",
            "runtime": runtime,
        },
        "data": data_counts(corpus),
        "metrics": {
            "split": "fixed test split grouped by speech (one speech in five, by hash of the speech id)",
            "test": linear.test,
            "baseline_test": baseline,
            "spacy_textcat_test": textcat.test,
            "cross_validation": {
                f"C={c} threshold={t}": {k: v[k] for k in ("macro_f1", "relevance_f1")}
                for (c, t), v in linear.cv.items()
            },
            "cross_validation_textcat": {
                f"threshold={t}": {k: v[k] for k in ("macro_f1", "relevance_f1")} for t, v in (textcat.cv or {}).items()
            },
            "slots_test": slots,
            "annotator_agreement": human,
        },
        "seed": seed,
        "versions": versions(),
    }


def _save(
    models_dir: Path, linear: _Linear, textcat: _Textcat, chosen: str, card: dict[str, Any], check_items: list[Item]
) -> None:
    """The estimator (skops), the run model (spaCy folder) and the textcat, each written whole."""
    meta = {
        "name": "stance",
        "version": __version__,
        "date": card["date"],
        "C": linear.C,
        "threshold": linear.threshold,
    }
    linear.model.save(models_dir / "stance" / "model.skops", meta=meta)
    if textcat.model is not None:
        textcat.model.to_disk(models_dir / "stance-spacy", meta=meta)  # to_disk records its own threshold
    if chosen == "spaCy textcat" and textcat.model is not None:
        run_model = textcat.model
        _replace_folder(models_dir / "stance" / "spacy", lambda tmp: run_model.to_disk(tmp, meta=meta))
    else:
        _export(linear.model, meta, models_dir / "stance" / "spacy", check_items)


def _export(model: StanceClassifier, meta: dict[str, Any], folder: Path, check_items: list[Item]) -> None:
    """Write the spaCy form of ``model`` and refuse it unless it scores exactly as the estimator does."""
    from pipeline.classify.component import StanceComponent, load_pipeline, save_pipeline

    def write(tmp: Path) -> None:
        save_pipeline(StanceComponent.from_estimator(model, meta), tmp)
        difference = float(
            np.abs(load_pipeline(tmp).predict_proba(check_items) - model.predict_proba(check_items)).max()
        )
        if difference > 1e-9:
            raise RuntimeError(f"the exported spaCy model differs from the estimator by {difference:g}")

    _replace_folder(folder, write)


def _replace_folder(folder: Path, write: Callable[[Path], None]) -> None:
    """``write`` a model folder beside ``folder``, then put it in ``folder``'s place."""
    import shutil

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def annotator_agreement(corpus_dir: Path, corpus: list[Example]) -> dict | None:
    """Agreement of the first labels with the second labelling (``annotations/agreement/``).

    ``test``: on the test split's sentences only, the ceiling the model's test
    scores compare with; ``all``: on every doubly labelled sentence.
    """
    first = {e.id: e for e in corpus}
    second = {}
    for path in sorted((Path(corpus_dir) / "agreement").glob("*.jsonl")):
        for e in load_examples(path):
            if e.id in first:
                second[e.id] = e.stance  # a sentence labelled twice again keeps its last second label
    if not second:
        return None
    out = {"all": agreement([first[i].stance for i in second], list(second.values()))}
    test = [i for i in second if first[i].split == "test"]
    if test:
        out["test"] = agreement([first[i].stance for i in test], [second[i] for i in test])
        out["test"]["share_of_test_split"] = round(len(test) / sum(e.split == "test" for e in corpus), 3)
    return out

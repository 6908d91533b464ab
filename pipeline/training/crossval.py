"""Grouped cross-validation of the stance models: speeches never straddle folds.

Every model family is scored on the same folds (``StratifiedGroupKFold`` by
speech, one seed), so their cross-validated figures compare.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from pipeline.classify import LABELS, Item, decide, gated_texts
from pipeline.classify.model import StanceClassifier
from pipeline.classify.textcat import TextcatModel
from pipeline.countries import to_iso3
from pipeline.training.corpus import Example
from pipeline.training.evaluate import scores

CONFIG = Path(__file__).with_name("textcat.cfg")
C_GRID = (3.0, 10.0, 30.0)
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


def speaker_of(ex: Example) -> str:
    """The example's speaker as an ISO3 code where it is a State."""
    return to_iso3(ex.speaker) or ex.speaker


def pairs(examples: list[Example]) -> list[Item]:
    """What every stance model reads of an example: text, speaker, the sentence before."""
    return [(e.text, speaker_of(e), e.context) for e in examples]


def _out_of_fold(
    train: list[Example],
    fit_predict: Callable[[list[Example], list[Example]], np.ndarray],
    folds: int = 5,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Gold labels and out-of-fold scores over speech-grouped folds (no speech in two folds).

    ``fit_predict(train_part, held_out)`` returns the held-out part's scores in
    ``LABELS`` order; the folds are the same for every model given the same seed.
    Synthetic rows sit in their source's speech, so they go with it into a fold,
    but only real sentences are held out and scored.
    """
    y = np.array([e.stance for e in train])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    gold, proba = [], []
    for fold, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y, [e.speech for e in train]), 1):
        if log:
            log(f"  fold {fold} of {folds} ...")
        te = np.array([i for i in te if not train[i].synthetic], dtype=int)  # paraphrases train, never score
        proba.append(fit_predict([train[i] for i in tr], [train[i] for i in te]))
        gold += list(y[te])
    return gold, np.vstack(proba)


def cross_validate(
    train: list[Example],
    grid: Sequence[float] = C_GRID,
    thresholds: Sequence[float] = THRESHOLDS,
    folds: int = 5,
    seed: int = 0,
    log: Callable[[str], Any] = print,
) -> dict:
    """Grouped cross-validated scores for each (C, threshold); speeches never straddle folds."""
    results = {}
    for C in grid:

        def fit_predict(part: list[Example], held_out: list[Example]) -> np.ndarray:
            model = StanceClassifier(C=C, random_state=seed)  # noqa: B023 (used within its iteration)
            model.fit(pairs(part), [e.stance for e in part])
            return model.predict_proba(pairs(held_out))

        gold, proba = _out_of_fold(train, fit_predict, folds, seed)
        for t in thresholds:
            results[(C, t)] = scores(gold, list(decide(proba, t)))
            log(
                f"  C={C:<5} threshold={t:<4} grouped {folds}-fold CV macro-F1 {results[(C, t)]['macro_f1']:.3f}"
                f"  relevance F1 {results[(C, t)]['relevance_f1']:.3f}"
            )
    return results


def fit_textcat(train: list[Example], seed: int = 0) -> Any:
    """A spaCy ``textcat`` from scratch (``textcat.cfg``) over the same model texts the linear model reads.

    Like the linear model it sees only sentences with an assistance cue, in the
    speaker's terms, with their context and ``near`` words (``gated_texts``).
    """
    import spacy  # noqa: F401  (registers the architectures)
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

    fix_random_seed(seed)
    config = load_config(CONFIG)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    textcat = nlp.get_pipe("textcat")
    for label in LABELS:
        cast(Any, textcat).add_label(label)
    idx, texts = gated_texts(pairs(train))
    examples = [
        SpacyExample.from_dict(
            nlp.make_doc(text), {"cats": {label: float(label == train[i].stance) for label in LABELS}}
        )
        for i, text in zip(idx, texts)
    ]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(config["training"]["max_epochs"]):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=config["training"]["dropout"])
    return nlp


def cross_validate_textcat(
    train: list[Example],
    thresholds: Sequence[float] = THRESHOLDS,
    folds: int = 5,
    seed: int = 0,
    log: Callable[[str], Any] = print,
) -> dict:
    """The spaCy textcat's grouped cross-validated scores per threshold, on the linear model's folds."""

    def fit_predict(part: list[Example], held_out: list[Example]) -> np.ndarray:
        return TextcatModel(fit_textcat(part, seed)).predict_proba(pairs(held_out))

    log("  spaCy textcat, grouped cross-validation:")
    gold, proba = _out_of_fold(train, fit_predict, folds, seed, log)
    results = {t: scores(gold, list(decide(proba, t))) for t in thresholds}
    for t, r in results.items():
        log(
            f"  spaCy textcat threshold={t:<4} grouped {folds}-fold CV macro-F1 {r['macro_f1']:.3f}  relevance F1 {r['relevance_f1']:.3f}"
        )
    return results

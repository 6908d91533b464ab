"""Refrain clauses by a model trained on the annotated clause corpus (``corpora/clauses``).

The model reads the operative paragraphs that name States together with
arms, assistance, supply, funds, transit, trade or recognition (the
paragraphs the corpus labels) and decides ``refrain`` and its ``mode`` from
the paragraph's words; ``addressee``, ``assistance`` and ``target`` come from
the rules (``refrain_rules.csv``). Chosen over the hand rules by
cross-validation grouped by resolution (``models/clauses/card.md``).

The file holds plain numbers (the vocabulary, idf weights and the two
logistic regressions' coefficients) in a skops archive of dicts and arrays
only: nothing but NumPy and built-in types is trusted when it is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.paths import models_dir
from pipeline.records import Clause
from pipeline.segment.resolutions import is_candidate, resolution_target, rule_slots

TRUSTED = ["builtins.dict", "builtins.str", "builtins.list", "numpy.ndarray", "numpy.dtype", "numpy.float64"]


class ClauseModel:
    """``refrain`` and ``mode`` of a paragraph from its words (scikit-learn estimator conventions)."""

    def __init__(self, C: float = 4.0, threshold: float = 0.5, random_state: int = 0):
        self.C = C
        self.threshold = threshold
        self.random_state = random_state
        self.meta_: dict[str, Any] = {}

    def fit(self, texts: Sequence[str], refrain: Sequence[bool], modes: Sequence[str] | None = None) -> ClauseModel:
        """Fit the word weights, the refrain model, and the mode model on the refrain paragraphs."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
        X = vectorizer.fit_transform(texts)
        self.terms_ = vectorizer.get_feature_names_out().astype(str)
        self.idf_ = vectorizer.idf_.astype(np.float64)
        y = np.array(refrain, dtype=bool)
        flag = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state)
        flag.fit(X, y)
        self.coef_, self.intercept_ = flag.coef_[0].astype(np.float64), float(flag.intercept_[0])
        self.modes_, self.mode_coef_, self.mode_intercept_ = (
            np.array([], dtype=str),
            np.zeros((0, len(self.terms_))),
            np.zeros(0),
        )
        if modes is not None:
            chosen = [i for i in range(len(texts)) if y[i] and modes[i]]
            labels = np.array([modes[i] for i in chosen])
            if len(set(labels)) > 1:
                mode = LogisticRegression(
                    C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state
                )
                mode.fit(X[chosen], labels)
                self.modes_ = mode.classes_.astype(str)
                self.mode_coef_ = mode.coef_.astype(np.float64)
                self.mode_intercept_ = mode.intercept_.astype(np.float64)
                if len(self.modes_) == 2:  # binary: one row of weights for the second class
                    self.mode_coef_ = np.vstack([-self.mode_coef_, self.mode_coef_])
                    self.mode_intercept_ = np.array([-self.mode_intercept_[0], self.mode_intercept_[0]])
        self._build()
        return self

    def _build(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, lowercase=True, vocabulary={t: i for i, t in enumerate(self.terms_)}
        )
        self._vectorizer.idf_ = self.idf_

    def _matrix(self, texts: Sequence[str]) -> Any:
        return self._vectorizer.transform(texts)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(not refrain), P(refrain) per paragraph."""
        p = 1.0 / (1.0 + np.exp(-(self._matrix(texts) @ self.coef_ + self.intercept_)))
        return np.column_stack([1.0 - p, p])

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """True where P(refrain) reaches the threshold."""
        return self.predict_proba(texts)[:, 1] >= self.threshold

    def predict_mode(self, texts: Sequence[str]) -> list[str]:
        """The mode a refrain paragraph imposes (``embargo``, ``cease``, ``prevent``, ``refrain``, ``non-recognition``)."""
        if not len(self.modes_):
            return ["refrain"] * len(texts)
        scores = self._matrix(texts) @ self.mode_coef_.T + self.mode_intercept_
        return [str(self.modes_[i]) for i in np.asarray(scores).argmax(axis=1)]

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        """A skops archive of plain arrays (see the module docstring)."""
        import skops.io as sio

        state = {
            "terms": self.terms_, "idf": self.idf_, "coef": self.coef_,
            "intercept": np.array([self.intercept_]), "modes": self.modes_,
            "mode_coef": self.mode_coef_, "mode_intercept": self.mode_intercept_,
            "params": json.dumps({"C": self.C, "threshold": self.threshold, "random_state": self.random_state}),
            "meta": json.dumps(meta or {}),
        }  # fmt: skip
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        sio.dump(state, path)

    @classmethod
    def load(cls, path: str | Path) -> ClauseModel:
        """Read a file written by :meth:`save`, trusting only built-in and NumPy types."""
        from pipeline.classify.model import load_skops

        state = load_skops(path, trusted=TRUSTED)
        model = cls(**json.loads(state["params"]))
        model.terms_, model.idf_, model.coef_ = state["terms"], state["idf"], state["coef"]
        model.intercept_ = float(state["intercept"][0])
        model.modes_, model.mode_coef_, model.mode_intercept_ = (
            state["modes"],
            state["mode_coef"],
            state["mode_intercept"],
        )
        model.meta_ = json.loads(state["meta"])
        model._build()
        return model


def clause_model_path() -> Path:
    """Where the shipped clause model is."""
    return models_dir() / "clauses" / "model.skops"


@lru_cache(maxsize=2)
def load_clause_model(path: str | None = None) -> ClauseModel | None:
    """The clause model, its weights checked against its card; None if none is installed (the rules decide)."""
    from pipeline.classify.weights import verify_weights

    file = Path(path) if path else clause_model_path()
    if not file.exists():
        return None
    verify_weights(file)
    return ClauseModel.load(file)


def classify_clauses(clauses: list[Clause], model: ClauseModel | None) -> list[Clause]:
    """Decide each operative candidate paragraph's ``refrain`` and ``mode`` with the model; slots by the rules.

    Without a model the rules' verdicts (``mark_refrain``) stand; either way a
    refrain clause that names no party but points back to one ("the
    sanctions", "this illegal régime") takes the resolution's party.
    """
    operative = [c for c in clauses if c.kind == "operative"]
    chosen = [c for c in operative if is_candidate(c.text)]
    context = {
        doc: resolution_target([c.text for c in chosen if c.doc_id == doc]) for doc in {c.doc_id for c in chosen}
    }
    if model is None:
        for clause in operative:
            if clause.refrain and not clause.target:
                clause.target = rule_slots(clause.text, context.get(clause.doc_id, ""))["target"]
        return clauses
    for clause in operative:
        if not is_candidate(clause.text):
            _not_refrain(clause)
    if not chosen:
        return clauses
    texts = [c.text for c in chosen]
    flags, modes = model.predict(texts), model.predict_mode(texts)
    for clause, flag, mode in zip(chosen, flags, modes):
        if flag:
            slots = rule_slots(clause.text, context[clause.doc_id])
            clause.refrain, clause.mode = True, mode
            clause.addressee, clause.assistance, clause.target = (
                slots["addressee"],
                slots["assistance"],
                slots["target"],
            )
        else:
            _not_refrain(clause)
    return clauses


def _not_refrain(clause: Clause) -> None:
    clause.refrain, clause.mode, clause.addressee, clause.assistance, clause.target = False, "", "", "", ""

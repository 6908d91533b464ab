"""The clause corpus and the choice of a refrain-clause model by cross-validation grouped by resolution.

``corpora/clauses/gold.jsonl`` holds the adjudicated labels of every
candidate operative paragraph (``corpora/clauses/README.md``). Three ways of
deciding ``refrain`` are compared on the same folds, no resolution straddling
two folds: the hand rules of ``pipeline/data/refrain_rules.csv``, a linear
model on the paragraph's words, and the two together (the model decides, the
rules' verdict is one of its features). The slots (``mode``, ``addressee``,
``target``) come from the rules in every case; their accuracy is measured on
the gold refrain clauses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.paths import clauses_dir
from pipeline.records import Clause
from pipeline.segment.resolutions import mark_refrain

FIELDS = ("mode", "addressee", "target")


def load_gold(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The adjudicated clause labels (one dict per paragraph: id, symbol, text, refrain and the slots)."""
    path = Path(path) if path else clauses_dir() / "gold.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rule_clause(text: str) -> Clause:
    """The paragraph as the hand rules read it (refrain flag and slots)."""
    clause = Clause(doc_id="", symbol="", para="", kind="operative", verb="", text=text, page=0)
    mark_refrain(clause)
    return clause


def _norm(value: str) -> str:
    return ", ".join(sorted(v.strip().lower() for v in (value or "").split(",") if v.strip()))


def prf(gold: Iterable[Any], predicted: Iterable[Any]) -> dict[str, float]:
    """Precision, recall and F1 of the ``True`` class."""
    gold, predicted = [bool(g) for g in gold], [bool(p) for p in predicted]
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def slot_accuracy(gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Exact (case-insensitive, order-free) accuracy of the rules' slots on the gold refrain clauses."""
    refrain = [g for g in gold if g["refrain"]]
    out: dict[str, Any] = {"n": len(refrain)}
    for field in FIELDS:
        hits = sum(_norm(getattr(rule_clause(g["text"]), field)) == _norm(g.get(field, "")) for g in refrain)
        out[field] = round(hits / len(refrain), 3) if refrain else 0.0
    return out


class ClauseModel:
    """Refrain or not, from a paragraph's words and the rules' verdict (scikit-learn estimator conventions)."""

    def __init__(self, C: float = 4.0, threshold: float = 0.5, use_rules: bool = True, random_state: int = 0):
        self.C = C
        self.threshold = threshold
        self.use_rules = use_rules
        self.random_state = random_state

    def _features(self, texts: Sequence[str], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        words = self.vectorizer_.fit_transform(texts) if fit else self.vectorizer_.transform(texts)
        if not self.use_rules:
            return words
        rules = csr_matrix(np.array([[float(rule_clause(t).refrain)] for t in texts]))
        return hstack([words, rules]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[bool]) -> ClauseModel:
        """Fit the word features and the logistic regression."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
        self.model_ = LogisticRegression(
            C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state
        )
        self.model_.fit(self._features(texts, fit=True), np.array(labels, dtype=bool))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(refrain) per paragraph, as a column beside P(not)."""
        return np.asarray(self.model_.predict_proba(self._features(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """True where P(refrain) reaches the threshold."""
        return self.predict_proba(texts)[:, 1] >= self.threshold


def cross_validate(
    gold: list[dict[str, Any]], folds: int = 5, grid: Sequence[float] = (1.0, 4.0, 16.0)
) -> dict[str, Any]:
    """F1 of the rules, the words-only model and the model with the rules' verdict, on grouped folds."""
    from sklearn.model_selection import GroupKFold

    texts = [g["text"] for g in gold]
    labels = np.array([bool(g["refrain"]) for g in gold])
    groups = [g["symbol"] for g in gold]
    results: dict[str, Any] = {"n": len(gold), "refrain": int(labels.sum()), "folds": folds}
    results["rules"] = prf(labels, [rule_clause(t).refrain for t in texts])
    for use_rules in (False, True):
        for C in grid:
            predicted = np.zeros(len(gold), dtype=bool)
            for train, test in GroupKFold(n_splits=folds).split(texts, labels, groups):
                model = ClauseModel(C=C, use_rules=use_rules).fit([texts[i] for i in train], labels[train])
                predicted[test] = model.predict([texts[i] for i in test])
            name = f"linear{' + rules' if use_rules else ''} C={C:g}"
            results[name] = prf(labels, predicted)
    return results

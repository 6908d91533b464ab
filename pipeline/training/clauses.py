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

from pipeline.classify.clauses import ClauseModel
from pipeline.paths import clauses_dir
from pipeline.records import Clause
from pipeline.segment.resolutions import mark_refrain, resolution_target, rule_slots

FIELDS = ("mode", "addressee", "assistance", "target")


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
    """Exact (case-insensitive, order-free) accuracy of the slots the pipeline writes on the gold refrain clauses.

    The slots are ``rule_slots`` with the resolution's party as context
    (``resolution_target`` over the resolution's paragraphs in the corpus),
    as ``classify_clauses`` writes them for a clause the model flags. Nothing
    in them is fitted, so no fold is needed; ``mode`` is measured apart
    (``mode_cross_validation``).
    """
    by_resolution: dict[str, list[str]] = {}
    for g in gold:
        by_resolution.setdefault(g["symbol"], []).append(g["text"])
    context = {symbol: resolution_target(texts) for symbol, texts in by_resolution.items()}
    refrain = [g for g in gold if g["refrain"]]
    out: dict[str, Any] = {"n": len(refrain)}
    for field in FIELDS[1:]:
        right = sum(
            _norm(rule_slots(g["text"], context[g["symbol"]])[field]) == _norm(g.get(field, "")) for g in refrain
        )
        out[field] = round(right / len(refrain), 3) if refrain else 0.0
    return out


def mode_cross_validation(gold: list[dict[str, Any]], folds: int = 5) -> dict[str, Any]:
    """Accuracy of ``mode`` on the gold refrain clauses: the rules' against a linear model on grouped folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline

    refrain = [g for g in gold if g["refrain"] and g.get("mode")]
    texts, modes = [g["text"] for g in refrain], np.array([g["mode"] for g in refrain])
    predicted = np.empty(len(refrain), dtype=object)
    for train, test in GroupKFold(n_splits=folds).split(texts, modes, [g["symbol"] for g in refrain]):
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
            LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"),
        )
        model.fit([texts[i] for i in train], modes[train])
        predicted[test] = model.predict([texts[i] for i in test])
    rules = [rule_clause(t).mode for t in texts]
    return {
        "n": len(refrain),
        "rules": round(float(np.mean([r == m for r, m in zip(rules, modes)])), 3),
        "linear": round(float(np.mean(predicted == modes)), 3),
        "gold": dict(zip(*np.unique(modes, return_counts=True))),
    }


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
                model = _RulesAndWords(C=C) if use_rules else ClauseModel(C=C)
                model.fit([texts[i] for i in train], labels[train])
                predicted[test] = model.predict([texts[i] for i in test])
            name = f"linear{' + rules' if use_rules else ''} C={C:g}"
            results[name] = prf(labels, predicted)
    return results


def learning_curve(
    gold: list[dict[str, Any]], C: float, folds: int = 5, fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0)
) -> dict[str, dict[str, float]]:
    """F1 of the words model trained on a share of each grouped train fold (whole resolutions drawn, seeded)."""
    from sklearn.model_selection import GroupKFold

    texts = [g["text"] for g in gold]
    labels = np.array([bool(g["refrain"]) for g in gold])
    groups = np.array([g["symbol"] for g in gold])
    rng = np.random.default_rng(0)
    curve: dict[str, dict[str, float]] = {}
    for share in fractions:
        predicted = np.zeros(len(gold), dtype=bool)
        for train, test in GroupKFold(n_splits=folds).split(texts, labels, groups):
            resolutions = np.unique(groups[train])
            kept = set(rng.choice(resolutions, size=max(1, round(share * len(resolutions))), replace=False))
            chosen = [i for i in train if groups[i] in kept]
            model = ClauseModel(C=C).fit([texts[i] for i in chosen], list(labels[chosen]))
            predicted[test] = model.predict([texts[i] for i in test])
        curve[f"{share:g}"] = prf(labels, predicted)
    return curve


class _RulesAndWords(ClauseModel):
    """The words model with the rules' verdict as one more feature (measured, not shipped)."""

    def fit(self, texts: Sequence[str], refrain: Sequence[bool], modes: Sequence[str] | None = None) -> ClauseModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = self._stack(self._words.fit_transform(texts), texts)
        self._model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000).fit(X, np.array(refrain))
        return self

    def _stack(self, words: Any, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix, hstack

        rules = csr_matrix(np.array([[float(rule_clause(t).refrain)] for t in texts]))
        return hstack([words, rules]).tocsr()

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        X = self._stack(self._words.transform(texts), texts)
        return np.asarray(self._model.predict_proba(X)[:, 1] >= self.threshold)


def train_clauses(models_dir: Path, gold_path: Path | None = None, log: Any = print) -> dict[str, Any]:
    """Cross-validate, fit the clause model on the whole corpus, save it with its card; return the card."""
    import datetime as _dt

    from pipeline import __version__
    from pipeline.classify.weights import record_weights
    from pipeline.files import atomic_write_text

    gold = load_gold(gold_path)
    results = cross_validate(gold)
    mode = mode_cross_validation(gold)
    slots = slot_accuracy(gold)
    best = max((k for k in results if k.startswith("linear C=")), key=lambda k: results[k]["f1"])
    C = float(best.split("=")[1])
    curve = learning_curve(gold, C)
    log(f"clauses: {len(gold)} paragraphs, {results['refrain']} refrain; rules F1 {results['rules']['f1']:.3f}, "
        f"{best} F1 {results[best]['f1']:.3f}; mode accuracy rules {mode['rules']:.3f}, model {mode['linear']:.3f}")  # fmt: skip
    folder = Path(models_dir) / "clauses"
    model = ClauseModel(C=C).fit(
        [g["text"] for g in gold], [g["refrain"] for g in gold], [g.get("mode", "") for g in gold]
    )
    meta = {"name": "clauses", "version": __version__, "date": _dt.date.today().isoformat(), "C": C}
    model.save(folder / "model.skops", meta=meta)
    card = {
        **meta,
        "task": "refrain clause (true/false) and its mode, for operative paragraphs naming States with arms, "
        "assistance, supply, funds, transit, trade or recognition",
        "data": {"paragraphs": len(gold), "refrain": results["refrain"], "resolutions": len({g["symbol"] for g in gold})},
        "labels": {"refrain": [True, False], "mode": [str(m) for m in model.modes_]},
        "metrics": {"cross_validation": results, "chosen": best, "mode": {k: v for k, v in mode.items() if k != "gold"},
                    "slots_by_rules": slots, "learning_curve": curve},
    }  # fmt: skip
    card = record_weights(card, [folder / "model.skops"], folder)
    atomic_write_text(folder / "card.json", json.dumps(card, indent=2, sort_keys=True, default=str) + "\n")
    atomic_write_text(folder / "card.md", _card_markdown(card))
    return card


def _card_markdown(card: dict[str, Any]) -> str:
    cv, m = card["metrics"]["cross_validation"], card["metrics"]
    lines = [
        "# Model card: refrain clauses",
        "",
        f"- model: `model.skops` (vocabulary, idf and two logistic regressions as plain arrays; skops, never pickle); "
        f"d2r {card['version']}, trained {card['date']} with `d2r train`",
        f"- task: {card['task']}",
        f"- data: `corpora/clauses/gold.jsonl`, {card['data']['paragraphs']} paragraphs of "
        f"{card['data']['resolutions']} Security Council resolutions (1946-1991), {card['data']['refrain']} refrain "
        "clauses; labelled by independent annotators, a second labelling and adjudication "
        "(corpora/clauses/README.md)",
        f"- chosen by {cv['folds']}-fold cross-validation grouped by resolution: {m['chosen']}",
        "",
        "| refrain clauses, grouped CV | precision | recall | F1 |",
        "|---|---|---|---|",
    ]
    for name, r in cv.items():
        if isinstance(r, dict) and "f1" in r:
            lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")
    slots = m["slots_by_rules"]
    lines += ["", "| learning curve (share of each train fold) | precision | recall | F1 |", "|---|---|---|---|"]
    lines += [
        f"| {k} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |" for k, r in m["learning_curve"].items()
    ]
    lines += [
        "",
        f"- mode (on the {m['mode']['n']} gold refrain clauses, grouped CV): rules {m['mode']['rules']:.3f}, "
        f"model {m['mode']['linear']:.3f} (the model's mode is used)",
        f"- addressee, assistance and target come from the rules, with the resolution's own party as the target "
        f"of a paragraph that names none: on all {slots['n']} gold refrain clauses addressee "
        f"{slots['addressee']:.3f}, assistance {slots['assistance']:.3f}, target {slots['target']:.3f}",
        "- limits: trained on 1946-1991 Security Council resolutions only; General Assembly resolutions and "
        "later sanctions language (asset freezes, travel bans, designated entities) are outside its data.",
        "- weight files (SHA-256, checked when the model is loaded):",
        *[f"  - `{k}`: `{v}`" for k, v in card["weights"].items()],
        "",
    ]
    return "\n".join(lines)

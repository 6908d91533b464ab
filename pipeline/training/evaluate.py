"""Scores of a stance model against gold sentences in the codebook format."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score, precision_recall_fscore_support

from pipeline.classify import LABELS
from pipeline.training.corpus import SLOTS

if TYPE_CHECKING:
    from pipeline.training.corpus import Example


def scores(gold: list[str], predicted: list[str]) -> dict:
    """Per-label precision/recall/F1, macro-F1, relevance F1 and the confusion matrix."""
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=list(LABELS), zero_division=0)
    per_label = {
        label: {
            "precision": round(float(p[i]), 3),
            "recall": round(float(r[i]), 3),
            "f1": round(float(f[i]), 3),
            "support": int(s[i]),
        }
        for i, label in enumerate(LABELS)
    }
    relevant_gold = [g != "none" for g in gold]
    relevant_pred = [x != "none" for x in predicted]
    return {
        "n": len(gold),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0)), 3),
        "relevance_f1": round(float(f1_score(relevant_gold, relevant_pred, zero_division=0)), 3),
        "accuracy": round(sum(g == x for g, x in zip(gold, predicted)) / max(1, len(gold)), 3),
        "per_label": per_label,
        "labels": list(LABELS),
        "confusion": confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
    }


def slot_accuracy(gold_examples: list[Example], predicted_slots: list[dict[str, str]]) -> dict[str, Any]:
    """Share of non-none gold sentences whose slot equals the gold slot (case-insensitive)."""
    hits: Counter[str] = Counter()
    n = 0
    for ex, slots in zip(gold_examples, predicted_slots):
        if ex.stance == "none":
            continue
        n += 1
        for slot in SLOTS:
            hits[slot] += (slots.get(slot) or "").lower() == (ex.slots.get(slot) or "").lower()
    return {"n": n, **{slot: round(hits[slot] / n, 3) if n else 0.0 for slot in SLOTS}}


def agreement(first: list[str], second: list[str]) -> dict:
    """Cohen's kappa and per-label agreement (F1 of one annotator against the other)."""
    f = f1_score(first, second, labels=list(LABELS), average=None, zero_division=0)
    return {
        "n": len(first),
        "kappa": round(float(cohen_kappa_score(first, second)), 3),
        "relevance_kappa": round(
            float(cohen_kappa_score([x != "none" for x in first], [x != "none" for x in second])), 3
        ),
        "macro_f1": round(float(f1_score(first, second, labels=list(LABELS), average="macro", zero_division=0)), 3),
        "relevance_f1": round(
            float(f1_score([x != "none" for x in first], [x != "none" for x in second], zero_division=0)), 3
        ),
        "per_label_f1": {label: round(float(v), 3) for label, v in zip(LABELS, f)},
        "observed_agreement": round(sum(a == b for a, b in zip(first, second)) / max(1, len(first)), 3),
    }


def format_report(result: dict) -> str:
    """Plain-text table of a :func:`scores` result."""
    lines = [f"{'label':<8} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label in result["labels"]:
        row = result["per_label"][label]
        lines.append(f"{label:<8} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>8}")
    lines.append(
        f"macro-F1 {result['macro_f1']:.3f}   relevance F1 (not none vs none) {result['relevance_f1']:.3f}   n={result['n']}"
    )
    lines.append("")
    lines.append("confusion (rows gold, columns predicted): " + " ".join(result["labels"]))
    for label, row in zip(result["labels"], result["confusion"]):
        lines.append(f"{label:<8} " + " ".join(f"{v:>6}" for v in row))
    return "\n".join(lines)

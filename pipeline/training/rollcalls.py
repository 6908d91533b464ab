"""The annotators' check of the General Assembly refrain-call rules (``corpora/ga_votes``).

The 200 roll calls were drawn in two strata (README there): 120 of the 958
whose title or description has a keyword, 80 of the other 5,245. A figure for
the whole data weights each drawn roll call by its stratum's pool over its
sample size; ``corpora/tools/ga_votes_check.py`` prints it and the tests
recompute it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pipeline.paths import ga_votes_dir

POOL = {"keyword": 958, "other": 5245}  # roll calls in each stratum of the whole data


def read_labels(name: str, folder: Path | None = None) -> dict[str, dict]:
    """One JSON Lines file of ``corpora/ga_votes`` keyed by rcid (as a string); empty if it is absent."""
    path = (folder or ga_votes_dir()) / name
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {str(r["rcid"]): r for r in (json.loads(line) for line in lines if line)}


def weighted_prf(gold: Sequence[bool], predicted: Sequence[bool], strata: Sequence[str]) -> dict[str, float]:
    """Precision, recall and F1 of ``predicted`` against ``gold``, each roll call weighted by its stratum."""
    drawn = {s: list(strata).count(s) for s in set(strata)}
    w = [POOL[s] / drawn[s] for s in strata]
    tp = sum(x for x, g, p in zip(w, gold, predicted) if g and p)
    fp = sum(x for x, g, p in zip(w, gold, predicted) if p and not g)
    fn = sum(x for x, g, p in zip(w, gold, predicted) if g and not p)
    precision, recall = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}

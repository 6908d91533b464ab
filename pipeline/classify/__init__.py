"""Stage 3: every sentence gets a stance, a confidence and the codebook's slots.

This module stays free of heavy imports: ``d2r run`` loads the stance model as
a spaCy component and never imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

LABELS = ("affirm", "accuse", "deny", "admit", "none")
Item = tuple[str, str, str]  # a sentence to classify: text, speaker ISO3, the sentence before


def as_items(X: Iterable[Any]) -> list[Item]:
    """Accept strings, (text, speaker[, context]) tuples, Examples or dicts."""
    items = []
    for x in X:
        if isinstance(x, str):
            items.append((x, "", ""))
        elif isinstance(x, tuple):
            items.append((x[0], x[1] if len(x) > 1 else "", x[2] if len(x) > 2 else ""))
        elif isinstance(x, dict):
            items.append((x["text"], x.get("speaker") or "", x.get("context") or ""))
        else:
            items.append((x.text, getattr(x, "speaker", "") or "", getattr(x, "context", "") or ""))
    return items


def gated_scores(
    X: Iterable[Any], gate: bool, score: Callable[[list[str]], np.ndarray], model_classes: Iterable[Any]
) -> np.ndarray:
    """Scores in ``LABELS`` order for sentences given as ``as_items`` accepts them.

    Sentences without an assistance word (when ``gate``) are ``none`` with
    probability 1 and never reach ``score``; ``score`` gets the others' model
    texts and returns their probabilities in ``model_classes`` order.
    """
    import numpy as np

    items = as_items(X)
    out = np.zeros((len(items), len(LABELS)))
    out[:, LABELS.index("none")] = 1.0
    idx, texts = gated_texts(items, gate)
    if idx:
        block = np.zeros((len(idx), len(LABELS)))
        block[:, [LABELS.index(str(c)) for c in model_classes]] = score(texts)
        out[idx] = block
    return out


def gated_texts(items: list[Item], gate: bool = True) -> tuple[list[int], list[str]]:
    """The positions of the ``as_items`` items past the cue gate, and their model texts.

    What every stance model reads, in training and in prediction alike.
    """
    from pipeline.classify.cues import has_cue
    from pipeline.classify.features import model_text

    idx = [i for i, item in enumerate(items) if not gate or has_cue(item[0])]
    return idx, [model_text(*items[i]) for i in idx]


def decide(proba: np.ndarray, threshold: float) -> np.ndarray:
    """Labels from scores in ``LABELS`` order: ``none`` unless ``1 - P(none)`` reaches
    ``threshold``, else the most probable of the four complicity stances."""
    import numpy as np

    none = LABELS.index("none")
    others = [i for i in range(len(LABELS)) if i != none]
    best = np.array(others)[proba[:, others].argmax(axis=1)]
    return np.where(1.0 - proba[:, none] >= threshold, np.array(LABELS)[best], "none")

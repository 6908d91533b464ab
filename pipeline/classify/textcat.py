"""The spaCy ``textcat`` stance model, trained from scratch by ``d2r train``.

It reads what the linear model reads (the cue gate, then ``features.model_text``)
and decides the same way (``decide`` with its own relevance threshold, kept in
the pipeline's ``meta.json`` under ``d2r``), so either can be the run model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.classify import LABELS, decide, gated_scores
from pipeline.errors import ModelFileError

if TYPE_CHECKING:
    import numpy as np
    from spacy.language import Language


class TextcatModel:
    """A spaCy pipeline with a ``textcat`` over the five stances, with ``predict_proba`` and ``decide``."""

    def __init__(self, nlp: Language, threshold: float = 0.5):
        self.nlp = nlp
        self.threshold = threshold
        self.classes_ = list(LABELS)
        self.meta_ = dict(nlp.meta.get("d2r", {}))

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        import numpy as np

        def score(texts: list[str]) -> np.ndarray:
            return np.array([[doc.cats[label] for label in LABELS] for doc in self.nlp.pipe(texts)])

        return gated_scores(X, True, score, LABELS)

    def decide(self, proba: np.ndarray, threshold: float) -> np.ndarray:
        return decide(proba, threshold)

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        return self.decide(self.predict_proba(X), self.threshold)

    def to_disk(self, folder: str | Path, meta: dict | None = None) -> None:
        self.nlp.meta["d2r"] = {**(meta or {}), "threshold": self.threshold}
        self.nlp.to_disk(folder)

    @classmethod
    def load(cls, folder: str | Path) -> TextcatModel:
        import spacy

        try:
            nlp = spacy.load(folder)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelFileError(f"{folder} is not a readable spaCy textcat folder ({type(exc).__name__})") from None
        if "textcat" not in nlp.pipe_names:
            raise ModelFileError(f"{folder} has no textcat component")
        return cls(nlp, float(nlp.meta.get("d2r", {}).get("threshold", 0.5)))


def is_textcat_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a spaCy textcat model (rather than the exported linear component)."""
    return (folder / "config.cfg").is_file() and (folder / "textcat").is_dir()

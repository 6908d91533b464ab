"""Classify sentences: stance, confidence, the five scores and the slots."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.classify import LABELS
from pipeline.classify.slots import extract_slots
from pipeline.classify.weights import verify_weights
from pipeline.errors import ModelFileError
from pipeline.paths import encoder_path, model_path


@dataclass
class Prediction:
    """The stance a model gives one sentence, with its confidence, the five scores and the slots."""

    stance: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    slots: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> Any:
    """The stance model at ``path``: a spaCy model folder written by ``d2r train``
    (default: the shipped ``models/stance/spacy``; ``models/stance-spacy`` is the
    textcat trained for comparison) or a ``.skops`` estimator file.

    Both give ``predict_proba``, ``decide`` and ``threshold``; the folder loads
    in a fraction of the time because it needs no scikit-learn. With no
    ``path`` the shipped model is the cascade: that folder, then the encoder in
    ``models/stance/encoder`` for the band it cannot decide (``encoder.py``);
    ``path="linear"`` is the folder alone.
    """
    folder = model_path(path)
    verify_weights(folder)  # before a byte of it is read as a model
    linear = _load_linear(folder)
    encoder = encoder_path(path)
    if encoder is None:
        return linear
    from pipeline.classify.encoder import CascadeModel, StanceEncoder

    _verify_encoder(encoder)
    return CascadeModel(linear, StanceEncoder(encoder))


def check_model(path: str | None = None) -> None:
    """Fail fast, in one line, before any work: every model file against its card, the encoder's runtime there."""
    verify_weights(model_path(path))
    encoder = encoder_path(path)
    if encoder is not None:
        from pipeline.classify.encoder import require_runtime

        _verify_encoder(encoder)
        require_runtime()


def _verify_encoder(folder: Path) -> None:
    if not folder.is_dir():
        raise ModelFileError(
            f"the stance encoder is missing: {folder} (restore it, run 'd2r train', or pass --model linear)"
        )
    verify_weights(folder)


def _load_linear(folder: Path) -> Any:
    if folder.is_dir():
        from pipeline.classify.component import load_pipeline
        from pipeline.classify.textcat import TextcatModel, is_textcat_folder

        return TextcatModel.load(folder) if is_textcat_folder(folder) else load_pipeline(folder)
    from pipeline.classify.model import StanceClassifier

    return StanceClassifier.load(folder)


def model_name(model: Any) -> str:
    """The model's name and version as written in ``evidence.csv`` (``model`` column)."""
    meta = getattr(model, "meta_", {}) or {}
    return f"{meta.get('name', 'stance')}-{meta.get('version', '0')}"


def classify(
    items: Iterable[tuple[str, ...]], model: Any, batch_size: int = 4096, details: str = "all"
) -> list[Prediction]:
    """Predictions for sentences given as ``(text, speaker_iso3[, context])`` tuples, in order.

    ``details="relevant"`` fills the five scores and the slots only for
    sentences that are not ``none`` (what ``d2r run`` keeps); most sentences
    are ``none``, so that saves building them a million times over a corpus.
    """
    items = list(items)
    out: list[Prediction] = []
    none = LABELS.index("none")
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        proba = model.predict_proba(batch)
        labels = model.decide(proba, model.threshold)
        for item, row, stance in zip(batch, proba, labels):
            text, speaker, context = item[0], item[1], item[2] if len(item) > 2 else ""
            stance = str(stance)
            if details == "relevant" and stance == "none":
                out.append(Prediction(stance=stance, confidence=round(float(row[none]), 4)))
                continue
            out.append(
                Prediction(
                    stance=stance,
                    confidence=round(float(row[LABELS.index(stance)]), 4),
                    scores={label: round(float(p), 4) for label, p in zip(LABELS, row)},
                    slots=extract_slots(text, stance, speaker, context),
                )
            )
    return out


__all__ = ["Prediction", "check_model", "classify", "load_model", "model_name"]

"""The stance cascade: the linear model decides most sentences, a fine-tuned encoder the band it cannot.

The first stage is the linear model (``component.py``: cue gate, TF-IDF,
calibrated logistic regression). A sentence past the gate to which it gives at
least ``band`` of non-``none`` probability goes to the second stage, all-MiniLM-L6-v2
fine-tuned on the train split (``pipeline.training.encoder``), run with ONNX
Runtime on the CPU (int8 weights). Its scores are blended with the linear
model's (``weight``) and decided with the cascade's own threshold. Band, weight
and threshold were chosen on a speech-grouped development part of the train
split and live in ``encoder.json`` beside the model.

The encoder reads the sentence paired with who speaks and the sentence before
(:func:`encoder_pair`): a denial answers what came before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classify import LABELS, as_items, decide
from pipeline.classify.cues import has_cue
from pipeline.errors import ModelFileError

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
ENCODER_SETTINGS = "encoder.json"
_INSTALL = "pip install onnxruntime tokenizers (or 'make install'), or pass --model linear"


def encoder_pair(text: str, speaker: str = "", context: str = "") -> tuple[str, str]:
    """The encoder's input: the sentence, and "Speaker: <State>. Before: <the sentence before>"."""
    from pipeline.countries import country_name

    name = (country_name(speaker) if speaker else "") or "unknown"
    return text, f"Speaker: {name}. Before: {context[:300]}"


def require_runtime() -> None:
    """One line naming what to install when ONNX Runtime or the tokenizers are missing."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        raise ModelFileError(f"the stance encoder needs onnxruntime and tokenizers: {_INSTALL}") from None


def in_band(linear_proba: np.ndarray, band: float) -> np.ndarray:
    """Which sentences the linear model gives at least ``band`` of non-``none`` probability.

    The one statement of the band, for the run (``CascadeModel.band_of``) and
    for choosing it in training, so the card's share and the run's agree; the
    encoder scores those of them that also pass the cue gate.
    """
    return 1.0 - linear_proba[:, LABELS.index("none")] >= band


class StanceEncoder:
    """The fine-tuned encoder as an ONNX Runtime session: five stance probabilities per sentence."""

    def __init__(self, folder: str | Path, threads: int = 1):
        folder = Path(folder)
        require_runtime()
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            self.settings = json.loads((folder / ENCODER_SETTINGS).read_text(encoding="utf-8"))
            if list(self.settings["labels"]) != list(LABELS):
                raise ValueError("labels")
            self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads  # one core per worker; --workers gives the parallelism
            options.inter_op_num_threads = 1
            self.session = onnxruntime.InferenceSession(
                str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime's own errors (a corrupt graph) derive from Exception only
            raise ModelFileError(
                f"{folder} is not a readable stance encoder ({type(exc).__name__}); run 'd2r train' or pass --model linear"
            ) from None
        self.tokenizer.enable_truncation(int(self.settings["max_pieces"]))
        self.tokenizer.no_padding()  # the base's tokenizer.json pads to 128: pieces the model would only mask

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Probabilities in ``LABELS`` order for ``(text, speaker, context)`` items (no gate applied here).

        One sentence at a time: int8 weights quantise each input's activations
        over the whole batch, so in a batch a sentence's scores would depend on
        its neighbours; alone they depend on it only (and cost no padding:
        as fast as batches of 8 or 32 on one core).
        """
        items = as_items(X)
        out = np.zeros((len(items), len(LABELS)))
        for i, item in enumerate(items):
            e = self.tokenizer.encode(*encoder_pair(*item))
            feed = {
                "ids": np.array([e.ids], dtype=np.int64),
                "types": np.array([e.type_ids], dtype=np.int64),
                "mask": np.array([e.attention_mask], dtype=np.int64),
            }
            logits = self.session.run(["logits"], feed)[0][0]
            proba = np.exp(logits - logits.max())
            out[i] = proba / proba.sum()
        return out


class CascadeModel:
    """The linear stance model, with the encoder deciding its uncertain band and its non-``none`` calls.

    Same interface as the linear model (``predict_proba``, ``decide``,
    ``threshold``, ``meta_``), so ``classify`` and ``d2r run`` take either.
    """

    def __init__(self, linear: Any, encoder: StanceEncoder):
        self.linear = linear
        self.encoder = encoder
        self.band = float(encoder.settings["band"])
        self.weight = float(encoder.settings["weight"])
        self.threshold = float(encoder.settings["threshold"])
        self.classes_ = np.array(LABELS)
        meta = dict(getattr(linear, "meta_", {}) or {})
        meta["name"] = f"{meta.get('name', 'stance')}+encoder"
        self.meta_ = meta

    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        items = as_items(X)
        proba = self.linear.predict_proba(items)
        seen = self.band_of(items, proba)
        if seen:
            encoded = self.encoder.predict_proba([items[i] for i in seen])
            proba[seen] = self.weight * encoded + (1.0 - self.weight) * proba[seen]
        return proba

    def band_of(self, items: Iterable[Any], linear_proba: np.ndarray) -> list[int]:
        """The positions the encoder scores: past the cue gate, with at least ``band`` non-``none`` probability.

        Public so that a benchmark can report the share the encoder sees without
        the model keeping a count (it is cached and shared between calls).
        """
        items = as_items(items)
        # the band first: the cue gate's regular expression runs only on the few sentences in it
        return [int(i) for i in np.flatnonzero(in_band(linear_proba, self.band)) if has_cue(items[i][0])]

    def decide(self, proba: np.ndarray, threshold: float) -> np.ndarray:
        return decide(proba, threshold)

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        return self.decide(self.predict_proba(X), self.threshold)

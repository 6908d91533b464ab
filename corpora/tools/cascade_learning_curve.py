"""The cascade's learning curve: a quarter and a half of the train split's speeches (run by hand; kept for the record)

For each share, the speeches are a seeded random subset of the train split's
(the same order as the linear model's curve in corpora/README.md). The linear
stage (C=10) is fitted on that subset; the encoder goes through
``pipeline.training.encoder.train_encoder`` on it, exactly as ``d2r train``
does on the whole split (fine-tuned on four fifths of the subset, band, weight
and threshold chosen on the other fifth), and the fixed test split is scored
once. The whole split's row is the shipped cascade (``models/stance/card.json``).
Needs torch (``pip install -e '.[encoder-train]'``); about 10 and 20 minutes on
2 cores::

    python corpora/tools/cascade_learning_curve.py 0.25 0.5
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.classify.model import StanceClassifier  # noqa: E402
from pipeline.training.corpus import load_corpus  # noqa: E402
from pipeline.training.crossval import pairs  # noqa: E402
from pipeline.training.encoder import train_encoder  # noqa: E402
from pipeline.training.evaluate import scores  # noqa: E402


def figures(result: dict) -> str:
    per = result["per_label"]
    return (
        f"macro-F1 {result['macro_f1']:.3f}, not-none F1 {result['relevance_f1']:.3f}, "
        f"deny {per['deny']['f1']:.2f}, admit {per['admit']['f1']:.2f}"
    )


def main(shares: list[float]) -> None:
    corpus = load_corpus()
    train = [e for e in corpus if e.split == "train"]
    test = [e for e in corpus if e.split == "test"]
    speeches = sorted({e.speech for e in train})
    random.Random(0).shuffle(speeches)
    for share in shares:
        keep = set(speeches[: int(len(speeches) * share)])
        part = [e for e in train if e.speech in keep]
        linear = StanceClassifier(C=10.0, threshold=0.4, random_state=0).fit(pairs(part), [e.stance for e in part])
        alone = scores([e.stance for e in test], list(linear.predict(pairs(test))))
        with tempfile.TemporaryDirectory() as tmp:
            result = train_encoder(part, test, 10.0, linear, Path(tmp), log=lambda m: None)
        print(
            f"{share:.0%} of the train speeches ({len(part):,} sentences; encoder fine-tuned on"
            f" {result['fine_tuned_on']:,} in {result['fine_tune_minutes']} min):\n"
            f"  cascade {figures(result['test'])} (band {result['cascade']['band']}, weight"
            f" {result['cascade']['weight']}, threshold {result['cascade']['threshold']})\n"
            f"  linear alone {figures(alone)}",
            flush=True,
        )


if __name__ == "__main__":
    main([float(s) for s in sys.argv[1:]] or [0.25, 0.5])

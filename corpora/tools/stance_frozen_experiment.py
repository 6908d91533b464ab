"""Do frozen sentence-encoder vectors help the stance model? (run by hand; kept for the record)

The route "frozen mpnet features plus linear head" of the stance issue: the
shipped model's features (TF-IDF words and characters of the gated sentence
text, see ``pipeline/classify/features.py``) with the encoder's mean-pooled,
normalised sentence vector appended (times ``scale``), in the same calibrated,
class-balanced logistic regression (C=10). ``scale`` (0 = the words alone) and
the relevance threshold are chosen by grouped 5-fold cross-validation on the
train split (folds by speech); the test split is scored once, with the chosen
pair. Vectors come from ``clause_encoder_experiment.py`` (``encode`` for
all-MiniLM-L6-v2, ``encode_mpnet`` for all-mpnet-base-v2, first 128 word
pieces, weights' SHA-256 checked), saved as ``ids``/``v`` in an ``.npz``;
only the sentences with a vector take part.

Measured 2026-12-07 on the 8,347 sentences of rounds 1-6 (2 cores; encoding
took 493 s with MiniLM, 1,472 s with mpnet, i.e. 17 and 6 sentences a second):

| test split (1,751), scale fixed | macro-F1 | not-none F1 |
|---|---|---|
| words alone (scale 0, threshold 0.3) | 0.608 | 0.615 |
| + frozen MiniLM, scale 0.5 / 1.0 | 0.620 / 0.588 | 0.613 / 0.607 |
| + frozen mpnet, scale 0.5 / 1.0 / 2.0 | 0.646 / 0.653 / 0.607 | 0.644 / 0.669 / 0.624 |

Those rows show every setting tried on the test split, so the best one is
optimistic. The honest figure is what this script prints with scale and
threshold chosen on the train split: for mpnet, grouped CV macro-F1 0.484 for
the words alone against 0.536-0.551 with the vectors (scale 0.5-2), so the
vectors help inside the train split; the pair it chose (scale 2, threshold
0.3) scores 0.607 macro-F1 / 0.624 not-none F1 on the test split, against
0.608 / 0.615 for the words alone: no gain where it counts. With encoding at
6 sentences a second the route is not shipped.

    .venv/bin/python corpora/tools/stance_frozen_experiment.py VECTORS.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.classify import LABELS, as_items, decide, gated_scores, gated_texts  # noqa: E402
from pipeline.classify.model import word_features  # noqa: E402
from pipeline.training.corpus import load_corpus, split_of  # noqa: E402
from pipeline.training.crossval import pairs  # noqa: E402
from pipeline.training.evaluate import scores  # noqa: E402

SCALES, THRESHOLDS = (0.0, 0.5, 1.0, 2.0), (0.3, 0.4, 0.5)


def fit_predict(train, test, vectors: dict, scale: float) -> np.ndarray:
    """Probabilities (``LABELS`` order) for ``test`` from a model fitted on ``train``."""
    keep, texts = gated_texts(as_items(pairs(train)), True)
    words = word_features()

    def features(examples, index, matrix):
        if not scale:
            return matrix
        return hstack([matrix, csr_matrix(np.vstack([vectors[examples[i].id] for i in index]) * scale)]).tocsr()

    X = features(train, keep, words.fit_transform(texts))
    y = np.array([train[i].stance for i in keep])
    linear = LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000)
    model = CalibratedClassifierCV(linear, method="sigmoid", cv=3, ensemble=False).fit(X, y)
    test_keep, _ = gated_texts(as_items(pairs(test)), True)  # which vectors go with the gated texts
    return gated_scores(
        pairs(test),
        True,
        lambda gated: model.predict_proba(features(test, test_keep, words.transform(gated))),
        model.classes_,
    )


def main(path: str) -> None:
    saved = np.load(path)
    vectors = dict(zip(saved["ids"], saved["v"]))
    corpus = [e for e in load_corpus() if e.id in vectors]
    train = [e for e in corpus if (e.split or split_of(e.speech)) == "train"]
    test = [e for e in corpus if (e.split or split_of(e.speech)) == "test"]
    gold = [e.stance for e in train]
    best = (-1.0, 0.0, 0.3)
    for scale in SCALES:
        oof = np.zeros((len(train), len(LABELS)))
        for a, b in GroupKFold(5).split(train, gold, [e.speech for e in train]):
            oof[b] = fit_predict([train[i] for i in a], [train[i] for i in b], vectors, scale)
        for t in THRESHOLDS:
            r = scores(gold, list(decide(oof, t)))
            print(f"CV scale {scale:g} threshold {t}: macro-F1 {r['macro_f1']:.3f} not-none F1 {r['relevance_f1']:.3f}")
            best = max(best, (r["macro_f1"], scale, t))
    for scale, t in ((0.0, 0.3), best[1:]):
        r = scores([e.stance for e in test], list(decide(fit_predict(train, test, vectors, scale), t)))
        per = ", ".join(f"{k} {v['f1']:.3f}" for k, v in r["per_label"].items())
        print(f"test, scale {scale:g} threshold {t}: macro-F1 {r['macro_f1']:.3f} not-none F1 {r['relevance_f1']:.3f} ({per})")


if __name__ == "__main__":
    main(sys.argv[1])

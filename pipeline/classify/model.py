"""The stance classifier: cue gate, then word and character n-grams with a linear model.

``StanceClassifier`` follows scikit-learn's estimator conventions (``fit``,
``predict``, ``predict_proba``, ``classes_``).  Sentences without any
assistance cue (decision rule 1 of the codebook) never reach the model: they
get ``none`` with probability 1 at the cost of one regular expression.  The
others (with the words of the sentence before and the words around each
assistance word, see ``features.py``) go
through TF-IDF word 1-2-grams and character 3-4-grams into a
class-balanced logistic regression whose probabilities are calibrated by
cross-validation (sigmoid), so that ``confidence`` means what it says.

``predict`` is a two-step decision over those probabilities: a sentence is
relevant when ``1 - P(none)`` reaches ``threshold`` (chosen by grouped
cross-validation in ``d2r train``), and a relevant sentence gets the most
probable of the four complicity stances.

Model files are skops archives holding only scikit-learn and NumPy types; they
are loaded against an explicit list of trusted types, never through pickle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from pipeline.classify import LABELS, as_items, decide, gated_scores, gated_texts
from pipeline.errors import ModelFileError


def word_features() -> FeatureUnion:
    """The unfitted TF-IDF features of the model texts: word 1-2-grams and character 3-4-grams."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True)),
        ]
    )


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Five-way stance (``affirm accuse deny admit none``) for single sentences."""

    def __init__(
        self, C: float = 10.0, threshold: float = 0.5, calibrate: bool = True, gate: bool = True, random_state: int = 0
    ):
        self.C = C
        self.threshold = threshold
        self.calibrate = calibrate
        self.gate = gate
        self.random_state = random_state

    # -- training ---------------------------------------------------------
    def fit(self, X: Iterable[Any], y: Iterable[str]) -> StanceClassifier:
        items, y = as_items(X), np.asarray(y)
        self.classes_ = np.array(LABELS)
        keep, texts = gated_texts(items, self.gate)
        self.vectorizer_ = word_features()
        features = self.vectorizer_.fit_transform(texts)
        linear = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.random_state)
        if self.calibrate:
            n_min = min(np.bincount(np.unique(y[keep], return_inverse=True)[1]))
            linear = CalibratedClassifierCV(linear, method="sigmoid", cv=max(2, min(3, n_min)), ensemble=False)
        self.model_ = linear.fit(features, y[keep])
        return self

    # -- prediction -------------------------------------------------------
    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        return gated_scores(
            X,
            self.gate,
            lambda texts: self.model_.predict_proba(self.vectorizer_.transform(texts)),
            self.model_.classes_,
        )

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        return self.decide(self.predict_proba(X), self.threshold)

    def decide(self, proba: np.ndarray, threshold: float) -> np.ndarray:
        """Labels from probabilities: ``none`` unless ``1 - P(none)`` reaches ``threshold``."""
        return decide(proba, threshold)

    # -- files ------------------------------------------------------------
    def save(self, path: str | Path, meta: dict | None = None) -> None:
        import zipfile

        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        import copy

        vectorizer = copy.deepcopy(self.vectorizer_)
        vocabularies = {}
        for name, part in vectorizer.transformer_list:
            # The terms min_df dropped are not needed to transform and were most of the file.
            if hasattr(part, "stop_words_"):
                del part.stop_words_
            # A vocabulary as one array of terms (in column order) loads in milliseconds;
            # as a dict skops rebuilds it entry by entry, which took seconds.
            terms = np.empty(len(part.vocabulary_), dtype=object)
            for term, column in part.vocabulary_.items():
                terms[column] = term
            vocabularies[name] = np.array(terms.tolist(), dtype=str)
            part.vocabulary_ = {}
        state = {
            "vectorizer": vectorizer,
            "vocabularies": vocabularies,
            "model": self.model_,
            "params": json.dumps(self.get_params()),
            "meta": json.dumps(meta or {}),
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        sio.dump(state, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> StanceClassifier:
        state = load_skops(path)
        model = cls(**json.loads(state["params"]))
        model.classes_ = np.array(LABELS)
        model.vectorizer_, model.model_ = state["vectorizer"], state["model"]
        for name, part in model.vectorizer_.transformer_list:
            part.vocabulary_ = {term: column for column, term in enumerate(state["vocabularies"][name].tolist())}
        model.meta_ = json.loads(state.get("meta") or "{}")
        return model


# Every type a d2r model file may hold.  Anything else in a file is refused.
TRUSTED_TYPES = [
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "builtins.tuple",
    "collections.defaultdict",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.utils._bunch.Bunch",
    "builtins.float",
    "builtins.int",
    "builtins.bool",
]


def load_skops(path: str | Path, trusted: list[str] | None = None) -> Any:
    """Load a skops archive, refusing pickle files and any type not in ``trusted`` (default TRUSTED_TYPES)."""
    import zipfile

    import skops.io as sio

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file not found: {path} (run 'd2r train' to build it)")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80" or path.suffix in (".pkl", ".pickle", ".joblib"):
        raise ModelFileError(f"{path} is a pickle file; d2r only loads skops model files (pickle can run code)")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{path} is not a skops model file")
    try:
        # One pass: skops refuses any type outside the list while it loads.
        return sio.load(path, trusted=trusted or TRUSTED_TYPES)
    except sio.exceptions.UntrustedTypesFoundException as exc:
        import re

        found = re.findall(r"'([\w.]+)'", str(exc).split("\n", 1)[0]) or ["(unnamed)"]
        raise ModelFileError(f"{path} holds types d2r does not trust: {', '.join(sorted(set(found)))}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:  # a damaged archive
        raise ModelFileError(f"{path} is not a readable skops model file ({type(exc).__name__})") from None

"""The trained stance model as a spaCy component: what ``d2r run`` and ``d2r classify`` load.

Training is scikit-learn's (``model.py``).  The fitted numbers of a
:class:`~pipeline.classify.model.StanceClassifier` (the two n-gram
vocabularies with their idf weights, the logistic regression's coefficients,
the five sigmoid calibrators and the relevance threshold) are exported into
this component and saved in spaCy's own format: a pipeline folder with
``config.cfg``, ``meta.json`` and the component's weights as msgpack.

Why a second form of the same model: loading the skops file imports
scikit-learn, SciPy and skops, about 1.5 s of every run's start-up, more than
the whole parallel work on a General Debate session.  This form needs spaCy
(already loaded for sentences) and NumPy only.  The arithmetic is
scikit-learn's, replicated step by step (analyzers, sublinear TF, idf, l2
norm, linear scores, sigmoid calibration, normalisation); the tests hold it to
the estimator's probabilities within 1e-9.

As a spaCy component it sets ``doc.cats`` (the five calibrated scores) for a
sentence ``Doc``, reading the speaker and the sentence before from
``doc.user_data``; the pipeline calls :meth:`StanceComponent.predict_proba` on
batches directly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import srsly
from spacy.language import Language

from pipeline.classify import LABELS, decide, gated_scores
from pipeline.errors import ModelFileError

if TYPE_CHECKING:
    from spacy.tokens import Doc

WEIGHTS = "weights.msgpack"
# scikit-learn's defaults for the vectorizers d2r trains (token_pattern, white-space folding).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")


@Language.factory("d2r_stance", default_config={"threshold": 0.5, "gate": True})
def make_stance_component(nlp: Language, name: str, threshold: float, gate: bool) -> StanceComponent:
    """spaCy's factory for the ``d2r_stance`` component (how ``spacy.load`` rebuilds it from a model folder)."""
    return StanceComponent(nlp, name, threshold=threshold, gate=gate)


class StanceComponent:
    """Five stance scores for sentences, from an exported :class:`StanceClassifier`."""

    def __init__(
        self, nlp: Language | None = None, name: str = "d2r_stance", threshold: float = 0.5, gate: bool = True
    ):
        self.name = name
        self.threshold = threshold
        self.gate = gate
        self.classes_ = np.array(LABELS)
        self.meta_: dict = {}
        self._parts: list[dict] = []

    # -- export -----------------------------------------------------------
    @classmethod
    def from_estimator(cls, estimator: Any, meta: dict[str, Any] | None = None) -> StanceComponent:
        """The numbers of a fitted :class:`StanceClassifier`, copied out of scikit-learn."""
        calibrated = estimator.model_.calibrated_classifiers_
        if len(calibrated) != 1 or calibrated[0].method != "sigmoid":
            raise ValueError("only a sigmoid-calibrated model fitted with ensemble=False can be exported")
        linear = calibrated[0].estimator
        component = cls(threshold=float(estimator.threshold), gate=bool(estimator.gate))
        component._parts = []
        for name, part in estimator.vectorizer_.transformer_list:
            params = part.get_params()
            terms = np.empty(len(part.vocabulary_), dtype=object)
            for term, column in part.vocabulary_.items():
                terms[column] = term
            component._parts.append(
                {
                    "name": name,
                    "analyzer": params["analyzer"],
                    "ngram_range": list(params["ngram_range"]),
                    "terms": terms.tolist(),
                    "idf": np.asarray(part.idf_, dtype=np.float64),
                }
            )
        model_classes = [str(c) for c in estimator.model_.classes_]
        component._set_linear(
            coef=np.asarray(linear.coef_, dtype=np.float64),
            intercept=np.asarray(linear.intercept_, dtype=np.float64),
            cal_a=np.array([c.a_ for c in calibrated[0].calibrators], dtype=np.float64),
            cal_b=np.array([c.b_ for c in calibrated[0].calibrators], dtype=np.float64),
            model_classes=model_classes,
        )
        component.meta_ = dict(meta or getattr(estimator, "meta_", {}) or {})
        return component

    def _set_linear(self, coef: Any, intercept: Any, cal_a: Any, cal_b: Any, model_classes: Sequence[Any]) -> None:
        n_features = sum(len(part["terms"]) for part in self._parts)
        n_classes = len(model_classes)
        if (
            coef.ndim != 2
            or coef.shape != (n_classes, n_features)
            or intercept.shape != (n_classes,)
            or cal_a.shape != (n_classes,)
            or cal_b.shape != (n_classes,)
            or any(len(part["idf"]) != len(part["terms"]) for part in self._parts)
            or not set(model_classes) <= set(LABELS)
        ):
            raise ValueError("the weights do not fit together (sizes of terms, idf, coefficients, calibration)")
        self.coef_, self.intercept_, self.cal_a_, self.cal_b_ = coef, intercept, cal_a, cal_b
        self.model_classes_ = list(model_classes)
        self._weights_by_feature = np.ascontiguousarray(coef.T)  # one row of class weights per feature
        offset = 0
        for part in self._parts:  # the union's columns: each part's terms after the previous part's
            if part["analyzer"] not in ("word", "char_wb"):
                raise ValueError(f"analyzer {part['analyzer']!r} cannot be exported")
            part["offset"] = offset
            part["word_columns"] = {}
            part["vocabulary"] = {term: offset + n for n, term in enumerate(part["terms"])}
            offset += len(part["terms"])
        self._idf = np.concatenate([part["idf"] for part in self._parts]) if self._parts else np.zeros(0)

    # -- prediction -------------------------------------------------------
    def predict_proba(self, X: Iterable[Any]) -> np.ndarray:
        """Scores in ``LABELS`` order for ``(text, speaker, context)`` items; ``none`` = 1 past the gate."""
        return gated_scores(X, self.gate, lambda texts: self._calibrated(self._decision(texts)), self.model_classes_)

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        return self.decide(self.predict_proba(X), self.threshold)

    def decide(self, proba: np.ndarray, threshold: float) -> np.ndarray:
        """Labels from probabilities: ``none`` unless ``1 - P(none)`` reaches ``threshold``."""
        return decide(proba, threshold)

    def _decision(self, texts: list[str]) -> np.ndarray:
        """The logistic regression's scores, as ``decision_function`` over the TF-IDF union.

        Python only counts each sentence's n-grams and looks them up; the TF-IDF
        weights, the l2 norms and the scores are computed once for the batch.
        """
        columns: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []  # how many distinct n-grams each (sentence, part) brought
        for text in texts:
            for part in self._parts:
                grams = Counter(self._known(text, part))
                columns.extend(grams)
                counts.extend(grams.values())
                lengths.append(len(grams))
        scores = np.tile(self.intercept_, (len(texts), 1))
        if not columns:
            return scores
        column = np.asarray(columns, dtype=np.int64)
        group = np.repeat(np.arange(len(lengths)), lengths)  # sentence * parts + part
        weight = (np.log(np.asarray(counts, dtype=np.float64)) + 1.0) * self._idf[column]
        norm = np.sqrt(np.bincount(group, weights=weight * weight, minlength=len(lengths)))
        weight /= norm[group]
        row = group // len(self._parts)
        contributions = self._weights_by_feature[column] * weight[:, None]
        for k in range(scores.shape[1]):
            scores[:, k] += np.bincount(row, weights=contributions[:, k], minlength=len(texts))
        return scores

    def _known(self, text: str, part: dict) -> list[int]:
        """The columns of the n-grams of ``text`` in ``part``'s vocabulary, with repeats."""
        text = text.lower()
        if part["analyzer"] == "char_wb":
            # Character n-grams never cross a word, so each word's columns are looked up once.
            words = part["word_columns"]
            if len(words) > 200_000:  # a long run's vocabulary must not outgrow the worker's memory budget
                words.clear()
            out = []
            for word in _WHITE_SPACES.sub(" ", text).split():
                found = words.get(word)
                if found is None:
                    found = words[word] = _columns(_char_wb(word, part["ngram_range"]), part["vocabulary"])
                out.extend(found)
            return out
        return _columns(_word_grams(text, part["ngram_range"]), part["vocabulary"])

    def _calibrated(self, scores: np.ndarray) -> np.ndarray:
        """Sigmoid calibration per class, then normalised (scikit-learn's ``_CalibratedClassifier``)."""
        proba = 1.0 / (1.0 + np.exp(self.cal_a_ * scores + self.cal_b_))
        total = proba.sum(axis=1, keepdims=True)
        proba = np.divide(proba, total, out=np.full_like(proba, 1.0 / proba.shape[1]), where=total != 0)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba

    # -- spaCy component --------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        """``doc.cats`` for one sentence; ``doc.user_data`` may hold ``speaker`` and ``context``."""
        item = (doc.text, doc.user_data.get("speaker", ""), doc.user_data.get("context", ""))
        doc.cats = {label: float(p) for label, p in zip(LABELS, self.predict_proba([item])[0])}
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_msgpack(
            path / WEIGHTS,
            {
                "parts": [
                    {k: part[k] for k in ("name", "analyzer", "ngram_range", "terms", "idf")} for part in self._parts
                ],
                "coef": self.coef_,
                "intercept": self.intercept_,
                "cal_a": self.cal_a_,
                "cal_b": self.cal_b_,
                "model_classes": self.model_classes_,
                "meta": self.meta_,
                "threshold": self.threshold,
                "gate": self.gate,
            },
        )

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> StanceComponent:
        data = srsly.read_msgpack(Path(path) / WEIGHTS)
        self._parts = [dict(part, idf=np.asarray(part["idf"], dtype=np.float64)) for part in data["parts"]]
        self.meta_ = dict(data.get("meta") or {})
        self.threshold = float(data.get("threshold", self.threshold))
        self.gate = bool(data.get("gate", self.gate))
        self._set_linear(
            np.asarray(data["coef"]),
            np.asarray(data["intercept"]),
            np.asarray(data["cal_a"]),
            np.asarray(data["cal_b"]),
            data["model_classes"],
        )
        return self


def _columns(grams: list[str], vocabulary: dict[str, int]) -> list[int]:
    return [vocabulary[gram] for gram in grams if gram in vocabulary]


def _word_grams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's ``word`` analyzer (lowercased text, default token pattern)."""
    low, high = ngram_range
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
        grams.extend([" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)])
    return grams


def _char_wb(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer for one (lowercased) word: padded, a short word once."""
    word = " " + word + " "
    length = len(word)
    grams = []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        if length <= n:
            grams.append(word)
            break
        grams.extend([word[i : i + n] for i in range(length - n + 1)])
    return grams


def save_pipeline(component: StanceComponent, folder: str | Path) -> None:
    """Write the component as a spaCy pipeline folder (blank English + ``d2r_stance``)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("d2r_stance", config={"threshold": component.threshold, "gate": component.gate})
    nlp.get_pipe("d2r_stance").__dict__.update(component.__dict__)  # the factory built an empty one
    nlp.meta["name"] = "d2r_stance"
    nlp.meta["version"] = str(component.meta_.get("version", "0.0.0"))
    nlp.to_disk(folder)


def load_pipeline(folder: str | Path) -> StanceComponent:
    """The ``d2r_stance`` component of a pipeline folder written by :func:`save_pipeline`.

    ``spacy.load(folder)`` gives the same component inside a whole pipeline;
    reading the component's weights directly skips building a second blank
    English pipeline, a fifth of a second on every run.
    """
    folder = Path(folder)
    if not (folder / "config.cfg").is_file() or not (folder / "d2r_stance" / WEIGHTS).is_file():
        raise ModelFileError(
            f"{folder} is not a d2r stance model folder (no config.cfg and d2r_stance/{WEIGHTS}; run 'd2r train')"
        )
    try:
        return StanceComponent().from_disk(folder / "d2r_stance")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelFileError(f"{folder} is not a readable d2r stance model folder ({type(exc).__name__})") from None

"""``d2r train``: rebuild every model from ``corpora/`` and write the model card.

Steps, each reproducible (fixed seeds):

1. read the annotated corpus and its fixed, speech-grouped split;
2. score the transparent baseline (cue labelling functions) on the test split;
3. choose the linear model's regularisation by grouped 5-fold cross-validation
   on the train split (no speech in two folds);
4. train a spaCy ``textcat`` from scratch (``textcat.cfg``) on the same train
   split, for comparison;
5. fit the chosen scikit-learn model on the train split, score it on the test
   split (stance and slots), and save it with skops;
6. write ``models/stance/card.md`` and ``card.json``.
"""

from __future__ import annotations

import datetime as _dt
import random
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from pipeline import __version__
from pipeline.classify import LABELS, decide, gated_texts
from pipeline.classify.cues import baseline_stance
from pipeline.classify.model import StanceClassifier
from pipeline.classify.slots import extract_slots
from pipeline.classify.textcat import TextcatModel
from pipeline.countries import to_iso3
from pipeline.paths import annotations_dir
from pipeline.training.card import data_counts, running_text_precision, versions, write_card
from pipeline.training.corpus import Example, load_corpus, load_examples
from pipeline.training.evaluate import agreement, scores, slot_accuracy

CONFIG = Path(__file__).with_name("textcat.cfg")
C_GRID = (3.0, 10.0, 30.0)
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


def _speaker(ex: Example) -> str:
    return to_iso3(ex.speaker) or ex.speaker


def _pairs(examples):
    return [(e.text, _speaker(e), e.context) for e in examples]


def _out_of_fold(train: list[Example], fit_predict, folds: int = 5, seed: int = 0, log=None):
    """Gold labels and out-of-fold scores over speech-grouped folds (no speech in two folds).

    ``fit_predict(train_part, held_out)`` returns the held-out part's scores in
    ``LABELS`` order; the folds are the same for every model given the same seed.
    """
    y = np.array([e.stance for e in train])
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    gold, proba = [], []
    for fold, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y, [e.speech for e in train]), 1):
        if log:
            log(f"  fold {fold} of {folds} ...")
        proba.append(fit_predict([train[i] for i in tr], [train[i] for i in te]))
        gold += list(y[te])
    return gold, np.vstack(proba)


def cross_validate(
    train: list[Example], grid=C_GRID, thresholds=THRESHOLDS, folds: int = 5, seed: int = 0, log=print
) -> dict:
    """Grouped cross-validated scores for each (C, threshold); speeches never straddle folds."""
    results = {}
    for C in grid:

        def fit_predict(part, held_out):
            model = StanceClassifier(C=C, random_state=seed)  # noqa: B023 (used within its iteration)
            model.fit(_pairs(part), [e.stance for e in part])
            return model.predict_proba(_pairs(held_out))

        gold, proba = _out_of_fold(train, fit_predict, folds, seed)
        for t in thresholds:
            results[(C, t)] = scores(gold, list(decide(proba, t)))
            log(
                f"  C={C:<5} threshold={t:<4} grouped {folds}-fold CV macro-F1 {results[(C, t)]['macro_f1']:.3f}"
                f"  relevance F1 {results[(C, t)]['relevance_f1']:.3f}"
            )
    return results


def _fit_textcat(train: list[Example], seed: int = 0):
    """A spaCy ``textcat`` from scratch (``textcat.cfg``) over the same model texts the linear model reads.

    Like the linear model it sees only sentences with an assistance cue, in the
    speaker's terms, with their context and ``near`` words (``gated_texts``).
    """
    import spacy  # noqa: F401  (registers the architectures)
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

    fix_random_seed(seed)
    config = load_config(CONFIG)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    textcat = nlp.get_pipe("textcat")
    for label in LABELS:
        textcat.add_label(label)
    idx, texts = gated_texts(_pairs(train))
    examples = [
        SpacyExample.from_dict(
            nlp.make_doc(text), {"cats": {label: float(label == train[i].stance) for label in LABELS}}
        )
        for i, text in zip(idx, texts)
    ]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(config["training"]["max_epochs"]):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=config["training"]["dropout"])
    return nlp


def cross_validate_textcat(
    train: list[Example], thresholds=THRESHOLDS, folds: int = 5, seed: int = 0, log=print
) -> dict:
    """The spaCy textcat's grouped cross-validated scores per threshold, on the linear model's folds."""

    def fit_predict(part, held_out):
        return TextcatModel(_fit_textcat(part, seed)).predict_proba(_pairs(held_out))

    log("  spaCy textcat, grouped cross-validation:")
    gold, proba = _out_of_fold(train, fit_predict, folds, seed, log)
    results = {t: scores(gold, list(decide(proba, t))) for t in thresholds}
    for t, r in results.items():
        log(
            f"  spaCy textcat threshold={t:<4} grouped {folds}-fold CV macro-F1 {r['macro_f1']:.3f}  relevance F1 {r['relevance_f1']:.3f}"
        )
    return results


def train(models_dir: Path, corpus_dir: Path | None = None, seed: int = 0, spacy_model: bool = True, log=print) -> dict:
    """Train, evaluate and save the stance models; return the model card as a dict."""
    corpus_dir = Path(corpus_dir) if corpus_dir else annotations_dir()
    random.seed(seed)
    np.random.seed(seed)
    corpus = load_corpus(corpus_dir)
    train_set = [e for e in corpus if e.split != "test"]
    test_set = [e for e in corpus if e.split == "test"]
    if not train_set or not test_set:
        raise ValueError(f"{corpus_dir}: the corpus needs both train and test sentences")
    log(f"corpus: {len(corpus)} sentences ({len(train_set)} train, {len(test_set)} test)")

    gold = [e.stance for e in test_set]
    baseline = scores(gold, [baseline_stance(e.text, _speaker(e)) for e in test_set])
    log(
        f"  baseline (cue labelling functions): test macro-F1 {baseline['macro_f1']:.3f}  relevance F1 {baseline['relevance_f1']:.3f}"
    )

    cv = cross_validate(train_set, seed=seed, log=log)
    best_c, best_t = max(cv, key=lambda k: (cv[k]["macro_f1"], -k[0], -k[1]))
    model = StanceClassifier(C=best_c, threshold=best_t, random_state=seed).fit(
        _pairs(train_set), [e.stance for e in train_set]
    )
    predicted = list(model.predict(_pairs(test_set)))
    test_scores = scores(gold, predicted)
    log(
        f"  chosen: scikit-learn C={best_c}, threshold {best_t}: test macro-F1 {test_scores['macro_f1']:.3f}  relevance F1 {test_scores['relevance_f1']:.3f}"
    )
    slots = slot_accuracy(test_set, [extract_slots(e.text, e.stance, _speaker(e), e.context) for e in test_set])
    log(f"  slots on test (gold stance): {slots}")

    # The two model families compete on the same grouped folds; the better
    # cross-validated macro-F1 becomes the run model (models/stance/spacy).
    spacy_scores, textcat_cv, textcat, chosen = None, None, None, "scikit-learn"
    if spacy_model:
        textcat_cv = cross_validate_textcat(train_set, seed=seed, log=log)
        textcat_t = max(textcat_cv, key=lambda t: (textcat_cv[t]["macro_f1"], -t))
        textcat = TextcatModel(_fit_textcat(train_set, seed), textcat_t)
        spacy_scores = scores(gold, list(textcat.predict(_pairs(test_set))))
        log(
            f"  spaCy textcat (from scratch, threshold {textcat_t}): test macro-F1 {spacy_scores['macro_f1']:.3f}  relevance F1 {spacy_scores['relevance_f1']:.3f}"
        )
        if textcat_cv[textcat_t]["macro_f1"] > cv[(best_c, best_t)]["macro_f1"]:
            chosen = "spaCy textcat"
    log(f"  run model, chosen by grouped cross-validation: {chosen}")

    human = _agreement(corpus_dir, corpus)
    for part, h in (human or {}).items():
        log(
            f"  annotators ({part}): kappa {h['kappa']:.3f}, macro-F1 {h['macro_f1']:.3f}, relevance F1 {h['relevance_f1']:.3f} on {h['n']} doubly labelled sentences"
        )

    card = {
        "name": "stance",
        "version": __version__,
        "date": _dt.date.today().isoformat(),
        "task": "sentence stance on the duty to refrain (CODEBOOK.md): " + ", ".join(LABELS),
        "labels": list(LABELS),
        "model": {
            "kind": "scikit-learn: cue gate, TF-IDF word 1-2-grams + char 3-4-grams (with the words within 6 of each assistance word marked near), class-balanced logistic regression, sigmoid-calibrated",
            "C": best_c,
            "threshold": best_t,
            "chosen_by_cross_validation": chosen,
            "file": "model.skops",
            "format": "skops (loaded with an explicit list of trusted types; never pickle)",
            "runtime": "spacy/: the same numbers as a spaCy model folder (component d2r_stance, weights in msgpack); "
            "what d2r run and d2r classify load, without scikit-learn"
            if chosen == "scikit-learn"
            else "spacy/: the spaCy textcat, which scored higher in grouped cross-validation; what d2r run and d2r classify load",
        },
        "data": data_counts(corpus),
        "metrics": {
            "split": "fixed test split grouped by speech (one speech in five, by hash of the speech id)",
            "test": test_scores,
            "baseline_test": baseline,
            "spacy_textcat_test": spacy_scores,
            "cross_validation": {
                f"C={c} threshold={t}": {k: v[k] for k in ("macro_f1", "relevance_f1")} for (c, t), v in cv.items()
            },
            "cross_validation_textcat": {
                f"threshold={t}": {k: v[k] for k in ("macro_f1", "relevance_f1")} for t, v in (textcat_cv or {}).items()
            },
            "slots_test": slots,
            "annotator_agreement": human,
        },
        "seed": seed,
        "versions": versions(),
    }
    meta = {"name": "stance", "version": __version__, "date": card["date"], "C": best_c, "threshold": best_t}
    model.save(models_dir / "stance" / "model.skops", meta=meta)
    if textcat is not None:
        textcat.to_disk(models_dir / "stance-spacy", meta=meta)  # to_disk records its own threshold
    if chosen == "spaCy textcat":
        _replace_folder(models_dir / "stance" / "spacy", lambda tmp: textcat.to_disk(tmp, meta=meta))
    else:
        _export(model, meta, models_dir / "stance" / "spacy", _pairs(test_set))
    card["metrics"]["running_text_precision"] = running_text_precision(model, corpus_dir / "precision")
    write_card(models_dir / "stance", card)
    return card


def _export(model: StanceClassifier, meta: dict, folder: Path, check_items) -> None:
    """Write the spaCy form of ``model`` and refuse it unless it scores exactly as the estimator does."""
    from pipeline.classify.component import StanceComponent, load_pipeline, save_pipeline

    def write(tmp: Path) -> None:
        save_pipeline(StanceComponent.from_estimator(model, meta), tmp)
        difference = float(
            np.abs(load_pipeline(tmp).predict_proba(check_items) - model.predict_proba(check_items)).max()
        )
        if difference > 1e-9:
            raise RuntimeError(f"the exported spaCy model differs from the estimator by {difference:g}")

    _replace_folder(folder, write)


def _replace_folder(folder: Path, write) -> None:
    """``write`` a model folder beside ``folder``, then put it in ``folder``'s place."""
    import shutil

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    write(tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _agreement(corpus_dir: Path, corpus: list[Example]) -> dict | None:
    """Agreement of the first labels with the second labelling (``annotations/agreement/``).

    ``test``: on the test split's sentences only, the ceiling the model's test
    scores compare with; ``all``: on every doubly labelled sentence.
    """
    first = {e.id: e for e in corpus}
    second = {}
    for path in sorted((Path(corpus_dir) / "agreement").glob("*.jsonl")):
        for e in load_examples(path):
            if e.id in first:
                second[e.id] = e.stance  # a sentence labelled twice again keeps its last second label
    if not second:
        return None
    out = {"all": agreement([first[i].stance for i in second], list(second.values()))}
    test = [i for i in second if first[i].split == "test"]
    if test:
        out["test"] = agreement([first[i].stance for i in test], [second[i] for i in test])
        out["test"]["share_of_test_split"] = round(len(test) / sum(e.split == "test" for e in corpus), 3)
    return out

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
import json
import platform
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
        "data": _data_counts(corpus),
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
        "versions": _versions(),
    }
    meta = {"name": "stance", "version": __version__, "date": card["date"], "C": best_c, "threshold": best_t}
    model.save(models_dir / "stance" / "model.skops", meta=meta)
    if textcat is not None:
        textcat.to_disk(models_dir / "stance-spacy", meta=meta)  # to_disk records its own threshold
    if chosen == "spaCy textcat":
        _replace_folder(models_dir / "stance" / "spacy", lambda tmp: textcat.to_disk(tmp, meta=meta))
    else:
        _export(model, meta, models_dir / "stance" / "spacy", _pairs(test_set))
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


def _data_counts(corpus: list[Example]) -> dict:
    from collections import Counter

    def decade(e):
        year = next((tok for tok in e.source.replace("_", " ").split() if tok.isdigit() and len(tok) == 4), "")
        return f"{year[:3]}0s" if year else "unknown"

    return {
        "sentences": len(corpus),
        "by_label": dict(Counter(e.stance for e in corpus)),
        "by_split": {
            s: dict(Counter(e.stance for e in corpus if (e.split or "train") == s)) for s in ("train", "test")
        },
        "by_source": dict(Counter(e.source.split()[0] if e.source else "unknown" for e in corpus)),
        "by_decade": dict(sorted(Counter(decade(e) for e in corpus).items())),
    }


def _versions() -> dict:
    import sklearn
    import skops
    import spacy

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "spacy": spacy.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "d2r": __version__,
    }


def write_card(folder: Path, card: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (folder / "card.md").write_text(card_markdown(card), encoding="utf-8")


def card_markdown(card: dict) -> str:
    m = card["metrics"]
    t, b, s = m["test"], m["baseline_test"], m.get("spacy_textcat_test")
    agreement_ = m.get("annotator_agreement") or {}
    h = agreement_.get("test") or agreement_.get("all") or {}
    cv = m.get("cross_validation") or {}
    best_cv = cv.get(f"C={card['model']['C']} threshold={card['model']['threshold']}")
    textcat_cv = m.get("cross_validation_textcat") or {}
    best_textcat = max(textcat_cv.values(), key=lambda r: r["macro_f1"]) if textcat_cv else None
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        f"- date: {card['date']}",
        f"- task: {card['task']}",
        f"- model: {card['model']['kind']} (C={card['model']['C']}, relevance threshold {card['model']['threshold']}, both chosen by grouped 5-fold cross-validation on the train split)",
        f"- file: `{card['model']['file']}`, {card['model']['format']}",
        *([f"- run time: {card['model']['runtime']}"] if card["model"].get("runtime") else []),
        f"- trained with: `d2r train` (seed {card['seed']}); versions: "
        + ", ".join(f"{k} {v}" for k, v in card["versions"].items()),
        "",
        "## Data",
        "",
        f"{card['data']['sentences']} sentences from `corpora/annotations/` (General Debate 1990-2021 and 2020 Security Council speeches).",
        "",
        "| label | train | test |",
        "|---|---|---|",
    ]
    for label in card["labels"]:
        lines.append(
            f"| {label} | {card['data']['by_split']['train'].get(label, 0)} | {card['data']['by_split']['test'].get(label, 0)} |"
        )
    lines += [
        "",
        f"## Metrics ({m['split']})",
        "",
        "| | test macro-F1 (5 labels) | test F1 not-none vs none | grouped 5-fold CV macro-F1 (train split) | CV F1 not-none |",
        "|---|---|---|---|---|",
        f"| scikit-learn model | {t['macro_f1']:.3f} | {t['relevance_f1']:.3f} | "
        + (f"{best_cv['macro_f1']:.3f} | {best_cv['relevance_f1']:.3f} |" if best_cv else " | |"),
        f"| baseline: cue labelling functions | {b['macro_f1']:.3f} | {b['relevance_f1']:.3f} | | |",
    ]
    if s:
        lines.append(
            f"| spaCy textcat from scratch | {s['macro_f1']:.3f} | {s['relevance_f1']:.3f} | "
            + (f"{best_textcat['macro_f1']:.3f} | {best_textcat['relevance_f1']:.3f} |" if best_textcat else " | |")
        )
    if h:
        where = "the whole test split" if agreement_.get("test") else "doubly labelled sentences"
        lines.append(
            f"| two annotators (ceiling; {where}, n={h['n']}, kappa {h['kappa']:.3f}) | {h['macro_f1']:.3f} | {h['relevance_f1']:.3f} | | |"
        )
    lines += [
        "",
        f"The run model (`spacy/`) is the {card['model'].get('chosen_by_cross_validation', 'scikit-learn')} model: "
        "the family with the higher grouped cross-validated macro-F1 on the train split.",
    ]
    lines += [
        "",
        "Per label on the test split:",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label in card["labels"]:
        r = t["per_label"][label]
        lines.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    sl = m["slots_test"]
    lines += [
        "",
        f"Slot accuracy on the {sl['n']} non-none test sentences (given the gold stance, exact match): "
        + ", ".join(f"{k} {sl[k]:.3f}" for k in ("assister", "assisted", "assistance", "violation")),
        "",
        "Confusion matrix (rows gold, columns predicted; " + ", ".join(card["labels"]) + "):",
        "",
        "```",
        *[" ".join(f"{v:>5}" for v in row) for row in t["confusion"]],
        "```",
        "",
        "## Limits",
        "",
        "- English only; trained on General Debate and Security Council speech, not on resolutions or letters.",
        "- `deny` and `admit` are rare in the corpus; their scores rest on a handful of test sentences.",
        "- Sentences without any assistance cue are `none` by rule (codebook decision rule 1); the model never sees them.",
        "- The annotations were made by AI assistant sessions briefed with the codebook, not by human legal experts (see corpora/README.md).",
        "- The test split is enriched with sentences that look like complicity; in ordinary speeches a smaller share of the sentences the model flags is right (corpora/README.md, precision in running text).",
        "",
    ]
    return "\n".join(lines)

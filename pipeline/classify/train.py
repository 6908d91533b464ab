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
from pipeline.classify import LABELS
from pipeline.classify.corpus import ANNOTATIONS, Example, load_corpus, load_examples
from pipeline.classify.cues import baseline_stance
from pipeline.classify.evaluate import agreement, scores, slot_accuracy
from pipeline.classify.model import StanceClassifier
from pipeline.classify.slots import extract_slots
from pipeline.countries import to_iso3

CONFIG = Path(__file__).with_name("textcat.cfg")
C_GRID = (3.0, 10.0, 30.0)
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)


def _speaker(ex: Example) -> str:
    return to_iso3(ex.speaker) or ex.speaker


def _pairs(examples):
    return [(e.text, _speaker(e), e.context) for e in examples]


def cross_validate(train: list[Example], grid=C_GRID, thresholds=THRESHOLDS, folds: int = 5, seed: int = 0, log=print) -> dict:
    """Grouped cross-validated scores for each (C, threshold); speeches never straddle folds."""
    y = np.array([e.stance for e in train])
    groups = [e.speech for e in train]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    results = {}
    for C in grid:
        gold, proba, model = [], [], None
        for tr, te in splitter.split(np.zeros(len(y)), y, groups):
            model = StanceClassifier(C=C, random_state=seed).fit(_pairs([train[i] for i in tr]), y[tr])
            proba.append(model.predict_proba(_pairs([train[i] for i in te])))
            gold += list(y[te])
        proba = np.vstack(proba)
        for t in thresholds:
            results[(C, t)] = scores(gold, list(model.decide(proba, t)))
            log(f"  C={C:<5} threshold={t:<4} grouped {folds}-fold CV macro-F1 {results[(C, t)]['macro_f1']:.3f}"
                f"  relevance F1 {results[(C, t)]['relevance_f1']:.3f}")
    return results


def train_spacy(train: list[Example], test: list[Example], out_dir: Path | None, seed: int = 0, log=print) -> dict:
    """Train the spaCy textcat from scratch; return its test scores (and save it if asked)."""
    import spacy
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, load_config, load_model_from_config, minibatch

    fix_random_seed(seed)
    config = load_config(CONFIG)
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    textcat = nlp.get_pipe("textcat")
    for label in LABELS:
        textcat.add_label(label)

    def as_examples(items):
        out = []
        for e in items:
            doc = nlp.make_doc(e.text)
            out.append(SpacyExample.from_dict(doc, {"cats": {label: float(label == e.stance) for label in LABELS}}))
        return out

    train_examples = as_examples(train)
    optimizer = nlp.initialize(lambda: train_examples)
    rng = random.Random(seed)
    epochs = config["training"]["max_epochs"]
    for epoch in range(epochs):
        rng.shuffle(train_examples)
        losses: dict = {}
        for batch in minibatch(train_examples, size=32):
            nlp.update(batch, sgd=optimizer, drop=config["training"]["dropout"], losses=losses)
    predicted = [max(doc.cats, key=doc.cats.get) for doc in nlp.pipe([e.text for e in test])]
    result = scores([e.stance for e in test], predicted)
    log(f"  spaCy textcat (from scratch, {epochs} epochs): test macro-F1 {result['macro_f1']:.3f}  relevance F1 {result['relevance_f1']:.3f}")
    if out_dir is not None:
        nlp.to_disk(out_dir)
    return result


def train(models_dir: Path, corpus_dir: Path = ANNOTATIONS, seed: int = 0, spacy_model: bool = True, log=print) -> dict:
    """Train, evaluate and save the stance models; return the model card as a dict."""
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
    log(f"  baseline (cue labelling functions): test macro-F1 {baseline['macro_f1']:.3f}  relevance F1 {baseline['relevance_f1']:.3f}")

    cv = cross_validate(train_set, seed=seed, log=log)
    best_c, best_t = max(cv, key=lambda k: (cv[k]["macro_f1"], -k[0], -k[1]))
    model = StanceClassifier(C=best_c, threshold=best_t, random_state=seed).fit(_pairs(train_set), [e.stance for e in train_set])
    predicted = list(model.predict(_pairs(test_set)))
    test_scores = scores(gold, predicted)
    log(f"  chosen: scikit-learn C={best_c}, threshold {best_t}: test macro-F1 {test_scores['macro_f1']:.3f}  relevance F1 {test_scores['relevance_f1']:.3f}")
    slots = slot_accuracy(test_set, [extract_slots(e.text, e.stance, _speaker(e)) for e in test_set])
    log(f"  slots on test (gold stance): {slots}")

    spacy_scores = None
    if spacy_model:
        spacy_scores = train_spacy(train_set, test_set, models_dir / "stance-spacy", seed=seed, log=log)

    human = _agreement(corpus_dir, corpus)
    if human:
        log(f"  annotators: kappa {human['kappa']:.3f}, macro-F1 {human['macro_f1']:.3f} on {human['n']} doubly labelled sentences")

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
            "file": "model.skops",
            "format": "skops (loaded with an explicit list of trusted types; never pickle)",
            "runtime": "spacy/: the same numbers as a spaCy model folder (component d2r_stance, weights in msgpack); "
                       "what d2r run and d2r classify load, without scikit-learn",
        },
        "data": _data_counts(corpus),
        "metrics": {
            "split": "fixed test split grouped by speech (one speech in five, by hash of the speech id)",
            "test": test_scores,
            "baseline_test": baseline,
            "spacy_textcat_test": spacy_scores,
            "cross_validation": {f"C={c} threshold={t}": {k: v[k] for k in ("macro_f1", "relevance_f1")} for (c, t), v in cv.items()},
            "slots_test": slots,
            "annotator_agreement": human,
        },
        "seed": seed,
        "versions": _versions(),
    }
    meta = {"name": "stance", "version": __version__, "date": card["date"], "C": best_c, "threshold": best_t}
    model.save(models_dir / "stance" / "model.skops", meta=meta)
    _export(model, meta, models_dir / "stance" / "spacy", _pairs(test_set))
    write_card(models_dir / "stance", card)
    return card


def _export(model: StanceClassifier, meta: dict, folder: Path, check_items) -> None:
    """Write the spaCy form of ``model`` and refuse it unless it scores exactly as the estimator does."""
    import shutil

    from pipeline.classify.component import StanceComponent, load_pipeline, save_pipeline

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_pipeline(StanceComponent.from_estimator(model, meta), tmp)
    difference = float(np.abs(load_pipeline(tmp).predict_proba(check_items) - model.predict_proba(check_items)).max())
    if difference > 1e-9:
        raise RuntimeError(f"the exported spaCy model differs from the estimator by {difference:g}")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _agreement(corpus_dir: Path, corpus: list[Example]) -> dict | None:
    first = {e.id: e.stance for e in corpus}
    pairs = []
    for path in sorted((Path(corpus_dir) / "agreement").glob("*.jsonl")):
        for e in load_examples(path):
            if e.id in first:
                pairs.append((first[e.id], e.stance))
    if not pairs:
        return None
    return agreement([a for a, _ in pairs], [b for _, b in pairs])


def _data_counts(corpus: list[Example]) -> dict:
    from collections import Counter

    def decade(e):
        year = next((tok for tok in e.source.replace("_", " ").split() if tok.isdigit() and len(tok) == 4), "")
        return f"{year[:3]}0s" if year else "unknown"

    return {
        "sentences": len(corpus),
        "by_label": dict(Counter(e.stance for e in corpus)),
        "by_split": {s: dict(Counter(e.stance for e in corpus if (e.split or "train") == s)) for s in ("train", "test")},
        "by_source": dict(Counter(e.source.split()[0] if e.source else "unknown" for e in corpus)),
        "by_decade": dict(sorted(Counter(decade(e) for e in corpus).items())),
    }


def _versions() -> dict:
    import sklearn
    import skops
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "spacy": spacy.__version__,
            "skops": skops.__version__, "numpy": np.__version__, "d2r": __version__}


def write_card(folder: Path, card: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (folder / "card.md").write_text(card_markdown(card), encoding="utf-8")


def card_markdown(card: dict) -> str:
    m = card["metrics"]
    t, b, s = m["test"], m["baseline_test"], m.get("spacy_textcat_test")
    h = m.get("annotator_agreement") or {}
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
        lines.append(f"| {label} | {card['data']['by_split']['train'].get(label, 0)} | {card['data']['by_split']['test'].get(label, 0)} |")
    lines += [
        "",
        f"## Metrics ({m['split']})",
        "",
        "| | macro-F1 (5 labels) | F1 not-none vs none |",
        "|---|---|---|",
        f"| this model | {t['macro_f1']:.3f} | {t['relevance_f1']:.3f} |",
        f"| baseline: cue labelling functions | {b['macro_f1']:.3f} | {b['relevance_f1']:.3f} |",
    ]
    if s:
        lines.append(f"| spaCy textcat from scratch | {s['macro_f1']:.3f} | {s['relevance_f1']:.3f} |")
    if h:
        lines.append(f"| two annotators (ceiling; n={h['n']}, kappa {h['kappa']:.3f}) | {h['macro_f1']:.3f} | {h['relevance_f1']:.3f} |")
    lines += ["", "Per label on the test split:", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
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
        "",
    ]
    return "\n".join(lines)

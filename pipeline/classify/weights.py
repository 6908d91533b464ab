"""Model files verified by hash: the card lists every weight file's SHA-256, loading checks them.

A model is a ``.skops`` file or a spaCy folder. Its card is the ``card.json``
inside the folder or beside the file (``models/stance/card.json`` covers
``models/stance/model.skops`` and every file of ``models/stance/spacy/``);
the card's ``weights`` maps each file, relative to the card's folder, to its
SHA-256. ``d2r train`` writes it; anything loaded without a matching entry is
refused, because a researcher cites what the model said and must be able to
say which model said it.

A file is hashed once per process while its size, times and inode stay the
same (``model_file_sha``): a run checks the model, keys its cache by it and
loads it, and each of those would otherwise read the 23 MB encoder again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pipeline.errors import ModelFileError
from pipeline.files import atomic_write_text, sha256_file
from pipeline.paths import listed_weights

CARD = "card.json"
_HASHES: dict[tuple[str, int, int, int, int, int], str] = {}


def model_file_sha(path: Path) -> str:
    """The SHA-256 of a model file, computed again whenever its size, mtime, ctime, inode or device change."""
    now = time.time_ns()  # read before the stat, so a change during the hash is never older than it
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
    if key in _HASHES:
        return _HASHES[key]
    sha = sha256_file(path)
    # File times are coarse (a few ms): a file changed within a tick of being hashed could keep its key,
    # so, as git does with "racily clean" files, only a file unchanged for two seconds is remembered.
    if now - max(stat.st_mtime_ns, stat.st_ctime_ns) > 2_000_000_000:
        _HASHES[key] = sha
    return sha


def card_path(model: Path) -> Path:
    """The card that covers ``model``: inside a folder that has one, else beside the model."""
    model = Path(model)
    if model.is_dir() and (model / CARD).is_file():
        return model / CARD
    return model.parent / CARD


def weight_files(model: Path) -> list[Path]:
    """Every file a model is read from (all files of a folder, or the one file), the card excluded."""
    model = Path(model)
    if model.is_dir():
        return sorted(p for p in model.rglob("*") if p.is_file() and p.name not in {CARD, "card.md"})
    return [model]


def weight_hashes(model: Path, base: Path) -> dict[str, str]:
    """Path relative to ``base`` (the card's folder) -> SHA-256, for every file of ``model``."""
    return {p.relative_to(base).as_posix(): model_file_sha(p) for p in weight_files(model)}


def record_weights(card: dict[str, Any], models: list[Path], base: Path) -> dict[str, Any]:
    """``card`` with ``weights`` listing every file of ``models`` (what ``d2r train`` writes)."""
    weights: dict[str, str] = {}
    for model in models:
        if Path(model).exists():
            weights.update(weight_hashes(model, base))
    return {**card, "weights": dict(sorted(weights.items()))}


def write_weights(model: Path) -> None:
    """Add ``model``'s hashes to the card that covers it (a card is created if there is none)."""
    path = card_path(model)
    try:
        card = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        card = {}
    card.setdefault("weights", {}).update(weight_hashes(model, path.parent))
    card["weights"] = dict(sorted(card["weights"].items()))
    atomic_write_text(path, json.dumps(card, indent=2, sort_keys=True) + "\n")


def verify_weights(model: Path) -> None:
    """Refuse ``model`` with one line unless its card lists every file with the SHA-256 it has."""
    model = Path(model)
    if not model.exists():
        raise ModelFileError(f"model not found: {model} (run 'd2r train', or pass --model)")
    path = card_path(model)
    listed = listed_weights(path)
    if not listed:
        raise ModelFileError(f"{model}: no model card lists its weight files' SHA-256 ({path}; run 'd2r train')")
    for file in weight_files(model):
        name = file.relative_to(path.parent).as_posix()
        if name not in listed:
            raise ModelFileError(f"{file}: not listed in the model card {path}; refusing an unverified model file")
        if model_file_sha(file) != listed[name]:
            raise ModelFileError(f"{file}: SHA-256 differs from the model card {path}; refusing a changed model file")
    prefix = model.relative_to(path.parent).as_posix() if model != path.parent else ""
    for name in listed:
        inside = not prefix or name == prefix or name.startswith(prefix + "/")
        if inside and not (path.parent / name).is_file():
            raise ModelFileError(f"{path.parent / name}: listed in the model card but missing")

"""What a cached result is keyed by: a file's content hash and the model's identity."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pipeline.classify.weights import model_file_sha
from pipeline.errors import ModelFileError
from pipeline.files import sha256_file
from pipeline.paths import encoder_path, model_path


def content_hash(path: Path, known: dict[str, Any], current: dict[str, Any]) -> str:
    """The file's SHA-256, reused from the last run while its size, times, inode and device are unchanged.

    Hashing 150 MB of General Debate speeches takes seconds; the stat check takes
    milliseconds, which is what makes adding one file to a processed folder cheap.
    The change time is in the signature because it cannot be set back: a tool
    that restores the old mtime after rewriting a file in place still changes it.
    ``rm -r OUT/.d2r`` forgets every hash.
    """
    stat = path.stat()
    signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]
    entry = known.get(str(path))
    if isinstance(entry, list) and len(entry) == len(signature) + 1 and entry[:-1] == signature:
        sha = entry[-1]
    else:
        sha = sha256_file(path)
    current[str(path)] = [*signature, sha]
    return str(sha)


def model_identity(option: str | None) -> str:
    """A short digest of the model a run uses: every file of a model folder, or the one file,
    and the cascade's encoder files when it has one (results of the linear stage alone are another model's)."""
    path = model_path(option)
    if not path.exists():
        raise ModelFileError(f"model not found: {path} (run 'd2r train', or pass --model)")
    identity = _folder_digest(path) if path.is_dir() else model_file_sha(path)[:16]
    encoder = encoder_path(option)
    if encoder is not None and encoder.is_dir():
        identity += "+" + _folder_digest(encoder)
    return identity


def _folder_digest(path: Path) -> str:
    """Every file's name and content in a model folder."""
    digest = hashlib.sha256()
    for item in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{item.relative_to(path)}:{model_file_sha(item)}\n".encode())
    return digest.hexdigest()[:16]


def clause_identity() -> str:
    """A short digest of the clause model a run uses (``rules`` when none is installed)."""
    from pipeline.classify.clauses import clause_model_path

    path = clause_model_path()
    return model_file_sha(path)[:16] if path.exists() else "rules"

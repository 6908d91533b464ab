"""Walk the inputs: every file under the folders and files a user named, in a stable order.

Folders are walked recursively, symbolic links followed once, loops detected;
hidden files are skipped, and everything skipped is said so in ``errors.csv``
(stage ``discover``): nothing a user gave is dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.records import Error


def discover(inputs: Sequence[str | Path]) -> tuple[list[Path], list[Error]]:
    """Every file under the inputs, in a stable order, and the reasons for what was skipped."""
    files: list[Path] = []
    errors: list[Error] = []
    seen_dirs: set[str] = set()

    def visit(path: Path, top: bool) -> None:
        try:
            _visit(path, top)
        except OSError as exc:  # an entry that cannot even be examined
            errors.append(Error(str(path), "discover", f"cannot be examined ({exc.strerror or exc})"))

    def _visit(path: Path, top: bool) -> None:
        if not top and path.name.startswith("."):
            errors.append(Error(str(path), "discover", "hidden file or folder skipped"))
            return
        if path.is_symlink() and not path.exists():
            errors.append(Error(str(path), "discover", "broken symbolic link"))
            return
        if path.is_dir():
            real = os.path.realpath(path)
            if real in seen_dirs:
                errors.append(
                    Error(
                        str(path),
                        "discover",
                        f"folder already visited through another link ({real}); loop or duplicate skipped",
                    )
                )
                return
            seen_dirs.add(real)
            try:
                children = sorted(path.iterdir(), key=lambda p: p.name)
            except OSError as exc:
                errors.append(Error(str(path), "discover", f"folder cannot be read ({exc.strerror})"))
                return
            for child in children:
                visit(child, False)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            errors.append(Error(str(path), "discover", "not a regular file (device, socket or pipe)"))
        else:
            errors.append(Error(str(path), "discover", "no such file or folder"))

    for item in inputs:
        visit(Path(item), True)
    return files, errors

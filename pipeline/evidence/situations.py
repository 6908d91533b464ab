"""Situation tags (Syria, Ukraine, Yemen ...) from ``pipeline/data/situations.csv``.

The assisted party decides first, then the sentence, then the document's
agenda or title: "Iran arms the Houthis" is Yemen whatever the agenda item.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.lookups import read_table


@lru_cache(maxsize=1)
def _situations() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((row["situation"], re.compile(row["pattern"])) for row in read_table("situations.csv"))


def situation_of(*texts: str) -> str:
    """The first situation named by the first text that names one (``""`` if none)."""
    for text in texts:
        if not text:
            continue
        for name, pattern in _situations():
            if pattern.search(text):
                return name
    return ""

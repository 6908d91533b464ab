"""A document's pages as one text with a page for every character offset."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Whitespace (line breaks included) folded to single spaces, ends stripped."""
    return _SPACE.sub(" ", text).strip()


@dataclass
class PagedText:
    """A document's text with the offset where each page begins, so any span knows its page."""

    text: str
    page_starts: list[int]  # offset where each page begins

    @classmethod
    def from_pages(cls, pages: list[str]) -> PagedText:
        starts, offset = [], 0
        for page in pages:
            starts.append(offset)
            offset += len(page) + 1  # the joining newline
        return cls("\n".join(pages), starts)

    def page_at(self, offset: int) -> int:
        """1-based page number of a character offset."""
        return max(1, bisect_right(self.page_starts, offset))

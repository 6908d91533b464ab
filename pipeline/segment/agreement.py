"""Agreement of our speech segmentation with a reference segmentation.

The reference is the UN Security Council Debates corpus: one file per speech
whose first line opens with the speaker label (``Mr. X (Country): ...``).  Its
text is OCR'd, so names are compared loosely (``Jiirgenson`` ~ ``Jürgenson``).
A reference speech counts as matched when our speech aligned to it has the
same speaker (similar name) and delegation (same ISO3) and its word count is
within ``max(5, 3%)`` words of the reference's.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.countries import to_iso3
from pipeline.segment.verbatim import LABEL

if TYPE_CHECKING:
    from pipeline.records import Speech


@dataclass
class ReferenceSpeech:
    """One speech of the peer's reference segmentation (speaker, delegation, length)."""

    speaker: str
    delegation: str
    iso3: str
    n_words: int


def read_reference(folder: str | Path, record: str) -> list[ReferenceSpeech]:
    """Reference speeches of one record (``8700`` or ``8723Resumption1``), in order."""
    files = sorted(Path(folder).glob(f"UNSC_2020_SPV.{record}_spch*.txt"))
    out = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        m = LABEL.match(text)
        if m:
            speaker, delegation = m.group("speaker"), m.group("delegation") or ""
            body = text[m.end() :]
        else:
            head, _, body = text.partition(":")
            speaker, delegation = head.strip(), ""
        out.append(ReferenceSpeech(_norm(speaker), delegation, to_iso3(delegation), len(body.split())))
    return out


def _norm(name: str) -> str:
    name = unicodedata.normalize("NFKD", re.sub(r"\s+", " ", name))
    return "".join(c for c in name if not unicodedata.combining(c)).replace("’", "'").lower().strip()


def _same_speaker(a_speaker: str, a_iso3: str, b: ReferenceSpeech) -> bool:
    if a_iso3 != b.iso3:
        return False
    return difflib.SequenceMatcher(None, _norm(a_speaker), b.speaker).ratio() >= 0.8


def agreement(speeches: list[Speech], reference: list[ReferenceSpeech]) -> tuple[int, int]:
    """(matched, total) reference speeches, aligning the two sequences in order."""
    ours = [(_norm(s.speaker), s.iso3) for s in speeches]
    theirs = [(r.speaker, r.iso3) for r in reference]
    # Align on speaker identity, then check the text length of each aligned pair.
    keys_a = [f"{a}|{i}" for a, i in ours]
    keys_b = []
    for r in reference:
        best = next((f"{a}|{i}" for a, i in ours if _same_speaker(a, i, r)), f"{r.speaker}|{r.iso3}")
        keys_b.append(best)
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    matched = 0
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            ours_speech, ref = speeches[block.a + k], reference[block.b + k]
            if abs(ours_speech.n_words - ref.n_words) <= max(5, 0.03 * ref.n_words):
                matched += 1
    return matched, len(theirs)

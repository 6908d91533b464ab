"""What the models read: the sentence with States and actors put in the speaker's terms.

Mentions of the speaker's own State become ``selfstate``, other States
``otherstate``, named Governments and regimes ``government`` and armed groups
``armedactor``, so that "Turkey arms ISIL" said
by Syria and "Iran arms the Houthis" said by Saudi Arabia look alike to the
model, and "Syria has never armed ..." said by Syria looks like a denial.

The words within ``WINDOW`` words of each assistance word are repeated with the
prefix ``near`` ("nearterrorists", "nearneighbour", "nearnever"): who supplies
what to whom is said next to the verb, and the same words elsewhere in a long
sentence say much less (grouped 5-fold cross-validation on the train split, C=3,
threshold 0.3: macro-F1 0.493 -> 0.513, relevance F1 0.592 -> 0.630).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.countries import find_mentions, to_iso3
from pipeline.lookups import read_table

_WORD = re.compile(r"[A-Za-z]{4,}")
_TOKEN = re.compile(r"[A-Za-z]+")
WINDOW = 6


@lru_cache(maxsize=1)
def _anchor() -> re.Pattern[str]:
    """Assistance verbs and nouns, the anchors of the ``near`` window (``near_anchor`` in cues.csv)."""
    rows = {row["name"]: row["pattern"] for row in read_table("cues.csv")}
    return re.compile(rows["near_anchor"], re.I)


@lru_cache(maxsize=65536)
def _is_anchor(token: str) -> bool:
    return _anchor().fullmatch(token) is not None  # a whole token must match


def model_text(text: str, speaker: str = "", context: str = "") -> str:
    """The sentence in the speaker's terms, the words of its context marked ``ctx``, then the ``near`` words.

    The context (the sentence before) carries what a denial or an admission
    answers ("these allegations", "at their request"), so its words are
    features of their own, kept apart from the sentence's.
    """
    marked = _in_speaker_terms(text, speaker)
    near = near_words(marked)
    if context:
        marked += " " + " ".join("ctx" + w.lower() for w in _WORD.findall(context))
    return marked + " " + near


def near_words(text: str, window: int = WINDOW) -> str:
    """The words within ``window`` words of each assistance word, prefixed ``near``."""
    tokens = _TOKEN.findall(text)
    out = []
    for i, token in enumerate(tokens):
        if _is_anchor(token):
            lo = max(0, i - window)
            out += ["near" + w.lower() for j, w in enumerate(tokens[lo : i + window + 1], lo) if j != i]
    return " ".join(out)


def _in_speaker_terms(text: str, speaker: str) -> str:
    speaker_code = to_iso3(speaker) if speaker and len(speaker) != 3 else speaker
    mentions = find_mentions(text)
    if not mentions:
        return text
    out, last = [], 0
    for m in mentions:
        out.append(text[last : m.start])
        if m.kind == "actor":
            out.append(" armedactor ")
        elif m.kind == "government":
            out.append(" government ")
        elif speaker_code and m.code == speaker_code:
            out.append(" selfstate ")
        else:
            out.append(" otherstate ")
        last = m.end
    out.append(text[last:])
    return "".join(out)

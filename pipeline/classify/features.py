"""What the models read: the sentence with States and actors put in the speaker's terms.

Mentions of the speaker's own State become ``selfstate``, other States
``otherstate``, named Governments and regimes ``government`` and armed groups
``armedactor``, so that "Turkey arms ISIL" said
by Syria and "Iran arms the Houthis" said by Saudi Arabia look alike to the
model, and "Syria has never armed ..." said by Syria looks like a denial.
"""

from __future__ import annotations

import re

from pipeline.countries import find_mentions, to_iso3


_WORD = re.compile(r"[A-Za-z]{4,}")


def model_text(text: str, speaker: str = "", context: str = "") -> str:
    """The sentence in the speaker's terms, then the words of its context marked ``ctx``.

    The context (the sentence before) carries what a denial or an admission
    answers ("these allegations", "at their request"), so its words are
    features of their own, kept apart from the sentence's.
    """
    marked = _in_speaker_terms(text, speaker)
    if context:
        marked += " " + " ".join("ctx" + w.lower() for w in _WORD.findall(context))
    return marked


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

"""Stage 3: every sentence gets a stance, a confidence and the codebook's slots.

This module stays free of heavy imports: ``d2r run`` loads the stance model as
a spaCy component and never imports scikit-learn.
"""

LABELS = ("affirm", "accuse", "deny", "admit", "none")


class ModelFileError(Exception):
    """A model file that is missing, not a skops archive or spaCy model folder, or holds untrusted types."""


def as_items(X) -> list[tuple[str, str, str]]:
    """Accept strings, (text, speaker[, context]) tuples, Examples or dicts."""
    items = []
    for x in X:
        if isinstance(x, str):
            items.append((x, "", ""))
        elif isinstance(x, tuple):
            items.append((x[0], x[1] if len(x) > 1 else "", x[2] if len(x) > 2 else ""))
        elif isinstance(x, dict):
            items.append((x["text"], x.get("speaker") or "", x.get("context") or ""))
        else:
            items.append((x.text, getattr(x, "speaker", "") or "", getattr(x, "context", "") or ""))
    return items

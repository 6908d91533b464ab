"""Stage 3: every sentence gets a stance, a confidence and the codebook's slots."""

LABELS = ("affirm", "accuse", "deny", "admit", "none")

"""d2r: evidence of how States treat the duty to refrain, from UN documents."""

__version__ = "0.1.0"

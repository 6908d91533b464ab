"""Where the project's folders are: the shipped models, the annotations, the lookup tables.

``models/`` and ``corpora/`` sit at the top of the repository, beside the
package, not inside it (the design card fixes the top level).  They are found
from ``D2R_HOME`` when it is set, else from the package's own location (an
editable install or a checkout), else from the working directory, so a
non-editable install run from a checkout still finds them.  ``D2R_MODEL`` is
read here and nowhere else.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path


def project_root() -> Path:
    """The folder holding ``models/`` and ``corpora/``."""
    home = os.environ.get("D2R_HOME")
    if home:
        return Path(home)
    beside_package = Path(str(resources.files("pipeline"))).resolve().parent
    if (beside_package / "models").is_dir():
        return beside_package
    return Path.cwd()


def data_dir() -> Path:
    """``pipeline/data``: the CSV lookup tables shipped inside the package."""
    return Path(str(resources.files("pipeline"))) / "data"


def models_dir() -> Path:
    """The folder of shipped and trained models."""
    return project_root() / "models"


def annotations_dir() -> Path:
    """The folder of stance annotations (``corpora/annotations``)."""
    return project_root() / "corpora" / "annotations"


def clauses_dir() -> Path:
    """The folder of the clause corpus (``corpora/clauses``)."""
    return project_root() / "corpora" / "clauses"


def ga_votes_dir() -> Path:
    """The folder of the annotators' check of the General Assembly rules (``corpora/ga_votes``)."""
    return project_root() / "corpora" / "ga_votes"


def default_model_path() -> Path:
    """The run model: ``D2R_MODEL`` if set, else the shipped ``models/stance/spacy``
    (a spaCy folder that loads without scikit-learn; ``model.skops`` beside it is the same model)."""
    return Path(os.environ.get("D2R_MODEL") or models_dir() / "stance" / "spacy")


LINEAR = "linear"  # --model linear: the shipped linear stage without the encoder


def model_path(option: str | Path | None) -> Path:
    """The model a command uses: its ``--model`` option (``linear``: the shipped one), else the default."""
    if option is not None and str(option) == LINEAR:
        return models_dir() / "stance" / "spacy"
    return Path(option) if option else default_model_path()


def listed_weights(card: Path) -> dict[str, str]:
    """The card's ``weights`` (file relative to the card's folder -> SHA-256); empty if unreadable."""
    try:
        listed = json.loads(Path(card).read_text(encoding="utf-8")).get("weights") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return dict(listed) if isinstance(listed, dict) else {}


def encoder_path(option: str | Path | None) -> Path | None:
    """The cascade's encoder folder when a command runs the shipped model (no ``--model``, no ``D2R_MODEL``).

    ``models/stance/encoder`` is used whenever it exists or the stance card lists
    files in it, so a deleted or half-copied encoder is an error, never a silent
    fall-back to the linear stage; ``--model linear`` asks for that stage alone.
    """
    if option or os.environ.get("D2R_MODEL"):
        return None
    folder = models_dir() / "stance" / "encoder"
    if folder.is_dir() or any(name.startswith("encoder/") for name in listed_weights(folder.parent / "card.json")):
        return folder
    return None

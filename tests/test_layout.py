"""The layout's one direction of flow: each room imports only from rooms below it.

Rooms, bottom up: the shared modules (records, errors, paths, files, lookups,
countries), then ingest and segment, classify, evidence, aggregate, then the
two users of everything (run, training), then the command line. Function-local
imports count too: a lazy import up the stack is still a circle.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pipeline

PACKAGE = Path(pipeline.__file__).parent
LAYERS = {
    "records": 0,
    "errors": 0,
    "paths": 0,
    "files": 0,
    "lookups": 0,
    "countries": 0,
    "ingest": 1,
    "segment": 1,
    "classify": 2,
    "evidence": 3,
    "aggregate": 4,
    "run": 5,
    "training": 5,
    "cli": 6,
    "__main__": 7,
    "__init__": 6,
}


def _room(dotted: str) -> str:
    return dotted.split(".")[1] if dotted.count(".") else "__init__"


def _imports() -> dict[str, set[str]]:
    """Module (dotted) -> the pipeline modules it imports anywhere in its body."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        dotted = ".".join(("pipeline", *path.relative_to(PACKAGE).with_suffix("").parts))
        dotted = dotted.removesuffix(".__init__")
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names if a.name.startswith("pipeline"))
        found[dotted] = names
    return found


def test_every_room_is_known():
    rooms = {_room(m) for m in _imports()}
    assert rooms <= set(LAYERS), f"modules outside the layout: {sorted(rooms - set(LAYERS))}"


def test_imports_only_go_down():
    upward = [
        f"{module} imports {target}"
        for module, targets in _imports().items()
        for target in targets
        if target != "pipeline" and LAYERS[_room(target)] > LAYERS[_room(module)]
    ]
    assert not upward, "imports up the stack:\n" + "\n".join(sorted(upward))


def test_rooms_of_one_level_do_not_import_each_other():
    # ingest/segment and run/training share a level: neither may lean on the other.
    sideways = [
        f"{module} imports {target}"
        for module, targets in _imports().items()
        for target in targets
        if target != "pipeline"
        and _room(target) != _room(module)
        and LAYERS[_room(target)] == LAYERS[_room(module)] > 0
    ]
    assert not sideways, "\n".join(sorted(sideways))


def test_public_steps_import_and_are_documented():
    for dotted in pipeline.STEPS:
        module, name = dotted.rsplit(".", 1)
        step = getattr(importlib.import_module(module), name)
        assert callable(step) and step.__doc__ and len(step.__doc__.split()) >= 5, dotted


def test_every_public_function_and_record_has_a_docstring():
    missing = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if ast.get_docstring(node) is None:
                    missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not missing, f"{len(missing)} public functions without a docstring:\n" + "\n".join(missing)

"""A reviewer's corrections: each decision changes exactly its rows, reruns keep them, the cache stays.

Real material: 40 General Debate speeches of 2015, the Security Council
record S/PV.8700 (a speech to correct) and resolution 282 (1970) (a clause).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.aggregate.corrections import COLUMNS
from tests.conftest import need_data
from tests.helpers import d2r, digests


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("review-in")
    for path in sorted(need_data("ungdc", "Session 70 - 2015").glob("[A-Z]*_70_2015.txt"))[:40]:
        (folder / path.name).symlink_to(path)
    (folder / "S_PV.8700_E.pdf").symlink_to(need_data("unsc-2020", "pdf", "S_PV.8700_E.pdf"))
    (folder / "S_RES_0282_1970_EN_GOLD.txt").symlink_to(need_data("unsc-resolutions", "S_RES_0282_1970_EN_GOLD.txt"))
    return folder


@pytest.fixture(scope="module")
def plain(tmp_path_factory, inputs) -> Path:
    out = tmp_path_factory.mktemp("review") / "out"
    d2r("run", inputs, "--out", out, "-q")
    return out


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, keep_default_na=False, dtype=str)


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


@pytest.fixture(scope="module")
def decisions(plain, tmp_path_factory):
    """One of each decision, on rows of the plain run."""
    evidence = _read(plain, "evidence.csv")
    sentences = pd.read_parquet(plain / "sentences.parquet")
    speeches = _read(plain, "speeches.csv")
    clauses = _read(plain, "clauses.csv")
    confirm, reject, relabel = evidence["evidence_id"].iloc[:3]
    missed = sentences[(sentences["stance"] == "none") & sentences["text"].str.contains("arms")].iloc[0]
    speech = speeches[(speeches["symbol"] == "S/PV.8700") & (speeches["iso3"] == "FRA")].iloc[0]
    clause = clauses[(clauses["kind"] == "operative") & (clauses["refrain"] == "False")].iloc[0]
    rows = [
        {"kind": "evidence", "id": confirm, "decision": "confirm", "reviewer": "test"},
        {"kind": "evidence", "id": reject, "decision": "reject", "note": "not about assistance"},
        {"kind": "evidence", "id": relabel, "decision": "relabel", "stance": "deny", "assister": "SPEAKER"},
        {"kind": "evidence", "id": missed["sentence_id"], "decision": "add", "stance": "affirm"},
        {"kind": "speech", "id": f"{speech['doc_id']}:{speech['seq']}", "decision": "relabel", "iso3": "BEL"},
        {"kind": "clause", "id": f"{clause['doc_id']}:{clause['para']}", "decision": "relabel", "refrain": "true"},
        {"kind": "evidence", "id": "0123456789abcdef", "decision": "confirm", "note": "a sentence no longer there"},
    ]
    path = _write(tmp_path_factory.mktemp("mine") / "corrections.csv", rows)
    return path, {
        "confirm": confirm,
        "reject": reject,
        "relabel": relabel,
        "add": missed,
        "speech": speech,
        "clause": clause,
    }


@pytest.fixture(scope="module")
def reviewed(plain, inputs, decisions, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("reviewed") / "out"
    shutil.copytree(plain, out)  # the plain run's cache: applying corrections must reprocess nothing
    proc = d2r("run", inputs, "--out", out, "-q", "--corrections", decisions[0])
    return out, proc.stdout


def test_each_decision_changes_exactly_its_rows(plain, reviewed, decisions):
    out, stdout = reviewed
    _, ids = decisions
    assert "0 processed" in stdout and "6 corrections applied" in stdout and "1 unmatched" in stdout
    before, after = (
        _read(plain, "evidence.csv").set_index("evidence_id"),
        _read(out, "evidence.csv").set_index("evidence_id"),
    )
    assert after.loc[ids["confirm"], "review"] == "confirmed"
    assert ids["reject"] not in after.index
    assert _read(out, "rejected.csv")["evidence_id"].tolist() == [ids["reject"]]
    assert (after.loc[ids["relabel"], "stance"], after.loc[ids["relabel"], "review"]) == ("deny", "corrected")
    assert after.loc[ids["relabel"], "model_stance"] == before.loc[ids["relabel"], "stance"]
    added = after.loc[ids["add"]["sentence_id"]]
    assert (added["stance"], added["review"], added["model_stance"]) == ("affirm", "added", "none")
    assert added["sentence"] == ids["add"]["text"]
    untouched = [i for i in before.index if i not in {ids["confirm"], ids["reject"], ids["relabel"]}]
    pd.testing.assert_frame_equal(
        before.loc[untouched].drop(columns=["review", "model_stance"]),
        after.loc[untouched].drop(columns=["review", "model_stance"]),
    )
    assert set(after.loc[untouched, "review"]) <= {"unreviewed"}
    speeches = _read(out, "speeches.csv")
    corrected = speeches[(speeches["doc_id"] == ids["speech"]["doc_id"]) & (speeches["seq"] == ids["speech"]["seq"])]
    assert corrected["iso3"].tolist() == ["BEL"]
    assert (speeches["iso3"] != _read(plain, "speeches.csv")["iso3"]).sum() == 1
    clauses = _read(out, "clauses.csv")
    changed = clauses["refrain"] != _read(plain, "clauses.csv")["refrain"]
    assert changed.sum() == 1 and clauses.loc[changed, "para"].tolist() == [ids["clause"]["para"]]
    unmatched = _read(out, "corrections_unmatched.csv")
    assert unmatched["id"].tolist() == ["0123456789abcdef"] and "no evidence row" in unmatched["reason"].iloc[0]
    states = _read(out, "states.csv")
    assert "deny" in set(states["stance"])  # the counts follow the corrected stances


def test_the_same_corrections_give_the_same_tables_twice_and_with_two_workers(reviewed, inputs, decisions, tmp_path):
    out, _ = reviewed
    again = tmp_path / "again"
    d2r("run", inputs, "--out", again, "-q", "--workers", "2", "--corrections", decisions[0])
    names = ["evidence.csv", "rejected.csv", "speeches.csv", "clauses.csv", "states.csv", "corrections_unmatched.csv"]
    first, second = digests(out), digests(again)
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    assert first["sentences.parquet"] == second["sentences.parquet"]


def test_a_run_without_corrections_marks_everything_unreviewed_and_drops_stale_files(reviewed, inputs, tmp_path):
    out, _ = reviewed
    proc = d2r("run", inputs, "--out", out, "-q")
    assert "0 processed" in proc.stdout
    assert set(_read(out, "evidence.csv")["review"]) == {"unreviewed"}
    assert not (out / "rejected.csv").exists() and not (out / "corrections_unmatched.csv").exists()


def test_a_malformed_row_is_one_line_naming_it(inputs, tmp_path):
    path = _write(
        tmp_path / "bad.csv",
        [
            {"kind": "evidence", "id": "x", "decision": "confirm"},
            {"kind": "evidence", "id": "y", "decision": "relabel", "stance": "maybe"},
        ],
    )
    proc = d2r("run", inputs, "--out", tmp_path / "o", "-q", "--corrections", path, check=False)
    assert proc.returncode == 1
    line = proc.stderr.strip()
    assert "\n" not in line and f"{path}:3" in line and "needs a stance" in line


def _pty_session(args: list[str], script: list[tuple[str, str]], timeout: float = 60) -> str:
    """Run d2r in a pseudo-terminal; for each (wait_for, send), wait until the screen shows it, then type."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    from tests.helpers import ROOT

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], stdin=follower, stdout=follower, stderr=follower, cwd=ROOT
    )
    os.close(follower)
    screen = ""
    deadline = time.monotonic() + timeout
    for wait_for, send in script:
        while wait_for not in screen:
            assert time.monotonic() < deadline, f"waited for {wait_for!r}; screen:\n{screen[-2000:]}"
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    screen += os.read(leader, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        screen = screen.split(wait_for, 1)[1] if send else screen
        os.write(leader, send.encode())
    proc.wait(timeout=timeout)
    try:
        while select.select([leader], [], [], 0.2)[0]:
            screen += os.read(leader, 65536).decode("utf-8", "replace")
    except OSError:
        pass
    os.close(leader)
    return screen


def test_review_in_a_terminal_writes_each_decision_at_once(plain, inputs, tmp_path):
    corrections = tmp_path / "corrections.csv"
    queue_size = len(_read(plain, "evidence.csv"))
    args = ["review", str(plain), "--corrections", str(corrections), "--order", "confidence", "--reviewer", "T"]
    screen = _pty_session(
        args,
        [
            (f"0/{queue_size} reviewed", "c"),
            (f"1/{queue_size} reviewed", "r"),
            (f"2/{queue_size} reviewed", "l"),
            ("stance (", "deny\n"),
            ("assister [", "\n"),
            ("assisted [", "\n"),
            ("assistance [", "\n"),
            ("violation [", "\n"),
            (f"3/{queue_size} reviewed", "u"),  # the relabel undone: the same row again
            (f"2/{queue_size} reviewed", "s"),
            (f"2/{queue_size} reviewed", "q"),
            (f"2/{queue_size} reviewed; decisions in", ""),
        ],
    )
    assert "Traceback" not in screen
    rows = list(csv.DictReader(open(corrections, encoding="utf-8")))
    assert [r["decision"] for r in rows] == ["confirm", "reject"] and {r["reviewer"] for r in rows} == {"T"}
    by_confidence = (
        _read(plain, "evidence.csv")
        .assign(c=lambda f: pd.to_numeric(f["confidence"]))
        .sort_values(["c", "evidence_id"], ascending=[False, True])
    )
    assert [r["id"] for r in rows] == by_confidence["evidence_id"].iloc[:2].tolist()
    # A second session starts after the rows already decided.
    screen = _pty_session(args, [(f"0/{queue_size - 2} reviewed", "q"), ("reviewed; decisions in", "")])
    out = tmp_path / "out"
    proc = d2r("run", inputs, "--out", out, "-q", "--corrections", corrections)
    assert "2 corrections applied" in proc.stdout
    assert len(_read(out, "rejected.csv")) == 1


def test_reviewed_sentences_become_train_examples_only(reviewed, decisions):
    from pipeline.aggregate.corrections import read_corrections
    from pipeline.training.corpus import reviewed_examples

    out, _ = reviewed
    path, ids = decisions
    examples = {e.id.split(":", 1)[1]: e for e in reviewed_examples(read_corrections(path), out)}
    assert set(examples) == {ids["confirm"], ids["reject"], ids["relabel"], ids["add"]["sentence_id"]}
    assert {e.split for e in examples.values()} == {"train"} and {e.source for e in examples.values()} == {"reviewer"}
    assert examples[ids["reject"]].stance == "none" and examples[ids["relabel"]].stance == "deny"
    assert examples[ids["add"]["sentence_id"]].stance == "affirm"
    assert examples[ids["add"]["sentence_id"]].text == ids["add"]["text"]
    confirmed = _read(out, "evidence.csv").set_index("evidence_id").loc[ids["confirm"]]
    assert examples[ids["confirm"]].stance == confirmed["stance"]


def test_added_sentences_alone_are_found(plain, inputs, tmp_path):
    sentences = pd.read_parquet(plain / "sentences.parquet")
    missed = sentences[sentences["stance"] == "none"]["sentence_id"].iloc[:2].tolist()
    path = _write(
        tmp_path / "c.csv", [{"kind": "evidence", "id": i, "decision": "add", "stance": "accuse"} for i in missed]
    )
    out = tmp_path / "out"
    shutil.copytree(plain, out)
    d2r("run", inputs, "--out", out, "-q", "--corrections", path)
    evidence = _read(out, "evidence.csv")
    assert set(evidence.loc[evidence["review"] == "added", "evidence_id"]) == set(missed)

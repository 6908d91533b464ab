"""A cache and a run folder a researcher can trust: damaged chunks are rebuilt, one run per folder.

Real General Debate speeches of 2015; the cache is damaged the ways a disk,
a half-copied folder or a stray edit damage it, and every rerun must give the
tables of a clean run, say what it rebuilt, and never stop.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.records import OUTPUT_FILES
from tests.conftest import need_data
from tests.helpers import ROOT, d2r, digests

TABLES_BUT_ERRORS = [n for n in OUTPUT_FILES if n != "errors.csv"]


@pytest.fixture(scope="module")
def speeches(tmp_path_factory) -> Path:
    """60 real speeches of the 2015 General Debate (linked, never copied into the repository)."""
    session = need_data("ungdc", "Session 70 - 2015")
    folder = tmp_path_factory.mktemp("gd2015")
    for path in sorted(session.glob("[A-Z]*_70_2015.txt"))[:60]:
        (folder / path.name).symlink_to(path)
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory, speeches) -> Path:
    """A clean run in three chunks of 20 documents."""
    out = tmp_path_factory.mktemp("clean") / "out"
    d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert len(list((out / ".d2r" / "chunks").iterdir())) == 3
    return out


def _copy(clean: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    return out


def _chunk(out: Path, n: int = 0) -> Path:
    return sorted(p for p in (out / ".d2r" / "chunks").iterdir() if p.is_dir())[n]


def _rewrite_stances(out: Path) -> str:
    path = next(p / "evidence.parquet" for p in sorted((out / ".d2r" / "chunks").iterdir()) if _has_evidence(p))
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index("stance"), "stance", pa.array(["admit"] * table.num_rows))
    pq.write_table(table, path)  # a valid Parquet file, every stance changed: what a stray edit does
    return "hash mismatch"


def _has_evidence(chunk: Path) -> bool:
    return pq.read_metadata(chunk / "evidence.parquet").num_rows > 0


def _truncate(out: Path) -> str:
    with open(_chunk(out, 1) / "speeches.parquet", "r+b") as fh:
        fh.truncate(100)
    return "hash mismatch"


def _delete_chunk(out: Path) -> str:
    shutil.rmtree(_chunk(out, 2))
    return "missing"


def _manifest_points_at_missing_file(out: Path) -> str:
    (_chunk(out, 0) / "sentences.parquet").unlink()
    return "missing"


def _garble_manifest(out: Path) -> str:
    (_chunk(out, 1) / "manifest.json").write_text('{"docs": [', encoding="utf-8")
    return "unreadable"


@pytest.mark.parametrize(
    "damage", [_rewrite_stances, _truncate, _delete_chunk, _manifest_points_at_missing_file, _garble_manifest]
)
def test_a_damaged_chunk_is_rebuilt_and_the_tables_are_a_clean_runs(clean, speeches, tmp_path, damage):
    out = _copy(clean, tmp_path)
    reason = damage(out)
    proc = d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert f"1 chunk rebuilt: {reason}" in proc.stderr
    assert "20 processed, 40 from cache" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert {n: h for n, h in digests(out).items() if n in TABLES_BUT_ERRORS} == {
        n: h for n, h in digests(clean).items() if n in TABLES_BUT_ERRORS
    }
    errors = pd.read_csv(out / "errors.csv")
    assert list(errors["stage"]) == ["cache"]
    assert errors["reason"].iloc[0].startswith(f"chunk rebuilt ({reason})")
    assert errors["path"].iloc[0].startswith(".d2r/chunks/")
    # The rebuilt chunk is trusted from now on: a third run reads nothing again and reports nothing.
    again = d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert "0 processed, 60 from cache" in again.stdout and "rebuilt" not in again.stderr
    assert digests(out) == digests(clean)


def test_a_changed_sentences_file_is_not_reused_even_with_its_size_and_time(clean, tmp_path):
    from pipeline.aggregate.sentences import _held

    out = _copy(clean, tmp_path)
    path, manifest = out / "sentences.parquet", out / ".d2r" / "sentences.json"
    assert _held(path, manifest)  # the file d2r wrote: its rows may be copied
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert _held(path, manifest) == {}


def test_a_garbled_hashes_file_means_every_input_is_hashed_again(clean, speeches, tmp_path):
    out = _copy(clean, tmp_path)
    record = json.loads((out / ".d2r" / "hashes.json").read_text())
    some_path = next(iter(record["files"]))
    record["files"][some_path][-1] = "0" * 64  # a wrong content hash would serve another file's rows
    (out / ".d2r" / "hashes.json").write_text(json.dumps(record))
    proc = d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert "0 processed, 60 from cache" in proc.stdout
    assert digests(out) == digests(clean)


def test_cache_verify_and_clear(clean, speeches, tmp_path):
    out = _copy(clean, tmp_path)
    good = d2r("cache", "verify", out)
    assert "3 good, 0 rebuilt, 0 orphaned chunks" in good.stdout
    _truncate(out)
    bad = d2r("cache", "verify", out, check=False)
    assert bad.returncode == 1
    assert "2 good, 1 rebuilt, 0 orphaned chunks" in bad.stdout and "hash mismatch" in bad.stdout
    assert "2 good, 0 rebuilt" in d2r("cache", "verify", out).stdout  # removed: the next run reads it again
    cleared = d2r("cache", "clear", out)
    assert "2 chunks removed" in cleared.stdout
    assert (out / "evidence.csv").exists() and not list((out / ".d2r" / "chunks").iterdir())
    rerun = d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert "60 processed, 0 from cache" in rerun.stdout
    assert digests(out) == digests(clean)


def test_a_chunk_no_longer_used_is_orphaned(clean, speeches, tmp_path):
    out = _copy(clean, tmp_path)
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    for path in sorted(speeches.iterdir())[:20]:  # the first chunk's documents only
        (fewer / path.name).symlink_to(path.resolve())
    d2r("run", fewer, "--out", out, "-q", "--batch", "20")
    assert "1 good, 0 rebuilt, 2 orphaned chunks" in d2r("cache", "verify", out).stdout


# -- one run per folder -------------------------------------------------------------


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    """A process holding ``folder``'s run lock for ``seconds`` (started once it holds it)."""
    code = (
        "import sys, time; from pathlib import Path; from pipeline.run.lock import locked\n"
        f"with locked(Path({str(folder)!r}) / '.d2r'):\n"
        "    print('held', flush=True); time.sleep(float(sys.argv[1]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_on_a_locked_folder_is_refused_with_the_holder(speeches, tmp_path):
    out = tmp_path / "out"
    holder = _holder(out, 60)
    try:
        started = time.monotonic()
        proc = d2r("run", speeches, "--out", out, "-q", check=False)
        assert proc.returncode == 1 and time.monotonic() - started < 30
        line = proc.stderr.strip()
        assert "\n" not in line and f"is in use by d2r run PID {holder.pid} on" in line and "--wait" in line
        assert not (out / "evidence.csv").exists()
    finally:
        holder.kill()
        holder.wait()


def test_wait_waits_for_the_holder(speeches, tmp_path):
    out = tmp_path / "out"
    holder = _holder(out, 4)
    started = time.monotonic()
    proc = d2r("run", speeches, "--out", out, "-q", "--wait")
    holder.wait()
    assert "waiting for d2r run PID" in proc.stderr
    assert time.monotonic() - started >= 3 and "60 processed" in proc.stdout


def test_a_stale_lock_of_a_killed_run_does_not_block_the_next(clean, speeches, tmp_path):
    out = tmp_path / "out"
    holder = _holder(out, 60)
    os.kill(holder.pid, signal.SIGKILL)  # killed: no clean-up, the lock file still names it
    holder.wait()
    assert str(holder.pid) in (out / ".d2r" / "lock").read_text()
    proc = d2r("run", speeches, "--out", out, "-q", "--batch", "20")
    assert f"stale lock of PID {holder.pid}" in proc.stderr
    assert digests(out) == digests(clean)


def test_concurrent_runs_on_one_folder_leave_the_first_runs_tables(tmp_path):
    session = need_data("ungdc", "Session 70 - 2015")  # the whole session, one worker: a run of some seconds
    out = tmp_path / "out"
    other = tmp_path / "other"
    other.mkdir()
    (other / "ZZZ_70_2015.txt").write_text("We call upon all States to refrain from arming the junta.\n")
    first = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(session), "--out", str(out), "-q", "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = out / ".d2r" / "lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = d2r("run", other, "--out", out, "-q", check=False)
    still_running = first.poll() is None
    _, first_err = first.communicate(timeout=600)
    assert still_running, "the first run ended before the second tried: the test proves nothing"
    assert second.returncode == 1 and f"in use by d2r run PID {first.pid}" in second.stderr
    assert first.returncode == 0, first_err
    documents = pd.read_csv(out / "documents.csv")
    assert len(documents) == len(list(session.glob("*.txt"))) and not documents["path"].str.contains("ZZZ").any()
    assert "ZZZ" not in (out / "evidence.csv").read_text()

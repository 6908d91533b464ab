"""Read the General Assembly roll-call data (Voeten, Strezhnev and Bailey) given with ``--ga-votes``.

The folder holds ``un_roll_calls.csv`` (one row per recorded vote: ``rcid,
session, date, unres, short, descr, ...``) and ``un_votes.csv.gz`` (or
``un_votes.csv``: one row per State and vote: ``rcid, country,
country_code, vote``). Rows that cannot be used (no ``rcid``, a date that is
not a date, a vote that is not yes, no or abstain) are not dropped in
silence: each kind becomes one ``errors.csv`` row that says how many and
gives an example. Each file read is hashed (``RollCalls.sha256``):
``refrain_roll_calls.csv`` and the report name the exact data a count came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.countries import to_iso3
from pipeline.errors import InputError
from pipeline.files import sha256_file
from pipeline.records import Error

CALL_COLUMNS = ["rcid", "date", "unres", "short", "descr"]
VOTE_COLUMNS = ["rcid", "country", "vote"]
VOTES = ("yes", "no", "abstain")
STAGE = "ga-votes"
CALLS_FILE = "un_roll_calls.csv"


@dataclass
class RollCalls:
    """The roll calls and the States' votes, as read and checked."""

    calls: pd.DataFrame  # rcid (int), date, unres, short, descr, amend, para
    votes: pd.DataFrame  # rcid (int), country, country_code (ISO2, if given), iso3, vote
    errors: list[Error] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256 of what was read


def read_roll_calls(folder: str | Path) -> RollCalls:
    """The roll-call folder's two tables; ``InputError`` (one line) if a file or a column is missing."""
    folder = Path(folder)
    calls_path = folder / CALLS_FILE
    votes_path = next((p for p in (folder / "un_votes.csv.gz", folder / "un_votes.csv") if p.exists()), None)
    if not calls_path.exists() or votes_path is None:
        missing = CALLS_FILE if not calls_path.exists() else "un_votes.csv.gz"
        raise InputError(f"--ga-votes {folder}: no {missing} there (the UN roll-call data, 1946-2019)")
    calls = _read(calls_path, CALL_COLUMNS)
    votes = _read(votes_path, VOTE_COLUMNS)
    errors: list[Error] = []
    calls, votes = _checked_calls(calls, calls_path, errors), _checked_votes(votes, votes_path, errors)
    known = set(calls["rcid"])
    orphans = ~votes["rcid"].isin(known)
    _report(errors, votes_path, orphans, votes, "votes on a roll call that un_roll_calls.csv does not list")
    votes = votes[~orphans]
    hashes = {p.name: sha256_file(p) for p in (calls_path, votes_path)}
    return RollCalls(calls.reset_index(drop=True), votes.reset_index(drop=True), errors, hashes)


def _read(path: Path, needed: list[str]) -> pd.DataFrame:
    try:
        # keep_default_na=False: Namibia's ISO2 code "NA" is a code, not a missing value.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"--ga-votes: cannot read {path}: {exc}") from exc
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise InputError(f"--ga-votes: {path} has no column {', '.join(absent)}")
    return frame


def _checked_calls(calls: pd.DataFrame, path: Path, errors: list[Error]) -> pd.DataFrame:
    rcid = pd.to_numeric(calls["rcid"], errors="coerce")
    date = pd.to_datetime(calls["date"], errors="coerce", format="%Y-%m-%d")
    bad = rcid.isna() | date.isna() | (rcid % 1 != 0)
    _report(errors, path, bad, calls, "roll calls without a whole-number rcid or an ISO date")
    calls = calls[~bad].assign(rcid=rcid[~bad].astype("int64"))
    for column in ("amend", "para"):
        if column not in calls.columns:
            calls[column] = ""
    duplicated = calls["rcid"].duplicated(keep="first")
    _report(errors, path, duplicated, calls, "roll calls listed twice (the first is kept)")
    return calls[~duplicated]


def _checked_votes(votes: pd.DataFrame, path: Path, errors: list[Error]) -> pd.DataFrame:
    rcid = pd.to_numeric(votes["rcid"], errors="coerce")
    vote = votes["vote"].str.strip().str.lower()
    bad = rcid.isna() | ~vote.isin(VOTES)
    _report(errors, path, bad, votes, "votes without an rcid or with a vote other than yes, no or abstain")
    votes = votes[~bad].assign(rcid=rcid[~bad].astype("int64"), vote=vote[~bad])
    names = votes["country"].unique()
    iso3 = {name: to_iso3(name) for name in names}  # 200 names: once each, not 870,000 times
    votes = votes.assign(iso3=votes["country"].map(iso3))
    unknown = votes["iso3"] == ""
    _report(errors, path, unknown, votes, "votes of a State whose name is not in the country table (kept, no ISO3)")
    merged = ~unknown & votes.duplicated(["rcid", "iso3"], keep=False)
    _report(errors, path, merged, votes, "votes of two delegations read as one ISO3 code in one roll call (both kept)")
    return votes[["rcid", "country", *(["country_code"] if "country_code" in votes else []), "iso3", "vote"]]


def _report(errors: list[Error], path: Path, mask: pd.Series, frame: pd.DataFrame, what: str) -> None:
    """One errors row per kind of unusable row: how many, and the first one's line in the file."""
    count = int(mask.sum())
    if count:
        first = frame.index[mask.to_numpy()][0]
        errors.append(Error(str(path), STAGE, f"{count} {what}; first at line {int(first) + 2}"))

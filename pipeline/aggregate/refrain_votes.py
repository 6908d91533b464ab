"""General Assembly roll-call votes as State practice: how each State voted on calls to refrain.

``d2r run ... --ga-votes DIR`` reads the roll-call data (``pipeline.ingest.rollcalls``),
keeps the roll calls the rule table calls refrain calls
(``pipeline.classify.rollcalls``) and joins them to the States' votes:

- ``refrain_votes.csv``: one row per State and refrain roll call (``iso3,
  state, resolution, date, vote``), with the roll call's ``rcid``, whether
  it was a vote on an amendment or a paragraph, the rule that selected it,
  its target and its description, so that a figure leads back to the
  record it counts;
- per-State ``ga_yes``, ``ga_no``, ``ga_abstain`` counts, added to
  ``states.csv`` as rows with ``role = General Assembly vote``;
- ``refrain_roll_calls.csv``: every roll call the rules selected, with the
  rule and the counts, so a reader can check the selection itself, and the
  SHA-256 of the two files read (``calls_sha256``, ``votes_sha256``), so a
  figure names the exact data it was counted from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.classify.rollcalls import flag_roll_calls
from pipeline.countries import country_name
from pipeline.ingest.rollcalls import CALLS_FILE, VOTES, read_roll_calls
from pipeline.records import Error

REFRAIN_VOTE_COLUMNS = [
    "iso3", "state", "resolution", "date", "vote", "rcid", "amendment", "paragraph", "rule", "target", "short", "descr",
]  # fmt: skip
ROLL_CALL_COLUMNS = [
    "rcid", "resolution", "date", "amendment", "paragraph", "rule", "target", "yes", "no", "abstain", "short", "descr",
    "calls_sha256", "votes_sha256",
]  # fmt: skip
STATE_ROLE = "General Assembly vote"


@dataclass
class GaVotes:
    """What ``--ga-votes`` adds to a run."""

    votes: pd.DataFrame  # refrain_votes.csv
    roll_calls: pd.DataFrame  # refrain_roll_calls.csv
    states: pd.DataFrame  # rows for states.csv
    errors: list[Error] = field(default_factory=list)


def ga_refrain_votes(folder: str | Path) -> GaVotes:
    """Read the roll-call folder, select the refrain calls and join the States' votes to them."""
    data = read_roll_calls(folder)
    calls = flag_roll_calls(data.calls)
    chosen = calls[calls["refrain"]].rename(columns={"unres": "resolution"})
    chosen = chosen.assign(amendment=chosen["amend"] == "1", paragraph=chosen["para"] == "1")
    votes = data.votes.merge(chosen, on="rcid", how="inner", validate="many_to_one")
    votes = votes.assign(state=votes["iso3"].map(country_name).where(votes["iso3"] != "", votes["country"]))
    votes = votes.sort_values(["date", "rcid", "iso3", "country"], kind="stable").reset_index(drop=True)
    roll_calls = chosen.merge(_tally(votes, "rcid"), left_on="rcid", right_index=True, how="left").fillna(
        {"yes": 0, "no": 0, "abstain": 0}
    )
    roll_calls = roll_calls.astype({"yes": "int64", "no": "int64", "abstain": "int64"}).sort_values(
        ["date", "rcid"], kind="stable"
    )
    calls_sha256 = data.sha256[CALLS_FILE]
    votes_sha256 = next(digest for name, digest in data.sha256.items() if name != CALLS_FILE)
    roll_calls = roll_calls.assign(calls_sha256=calls_sha256, votes_sha256=votes_sha256)
    return GaVotes(
        votes=votes.reindex(columns=REFRAIN_VOTE_COLUMNS),
        roll_calls=roll_calls.reindex(columns=ROLL_CALL_COLUMNS).reset_index(drop=True),
        states=state_vote_counts(votes),
        errors=data.errors,
    )


def _tally(votes: pd.DataFrame, by: str) -> pd.DataFrame:
    """Yes, no and abstain counts per value of ``by`` (0 where none)."""
    counts = votes.groupby([by, "vote"]).size().unstack("vote", fill_value=0)
    return counts.reindex(columns=list(VOTES), fill_value=0)


def state_vote_counts(votes: pd.DataFrame) -> pd.DataFrame:
    """Per State: refrain roll calls voted on, yes/no/abstain, first and last date, resolutions."""
    known = votes[votes["iso3"] != ""]
    if known.empty:
        return pd.DataFrame()
    grouped = known.groupby("iso3", sort=True)
    states = pd.DataFrame(
        {
            "count": grouped.size(),
            "documents": grouped["resolution"].nunique(),
            "first_date": grouped["date"].min(),
            "last_date": grouped["date"].max(),
        }
    ).join(_tally(known, "iso3").add_prefix("ga_"))
    states = states.reset_index()
    return states.assign(state=states["iso3"].map(country_name), role=STATE_ROLE, stance="refrain call")

"""Records in the UN's forms, written for the tests: every shape a vote and a resolution take.

Invented meetings (no text is quoted from a real record), laid out as the
Official Document System prints them: the cover page with its members, the
President's words before and after each vote, the lists, the announced counts.
Each function writes one ``.txt`` file and returns its path.
"""

from __future__ import annotations

from pathlib import Path

COUNCIL = [
    ("Algeria", "Mr. Benali"),
    ("China", "Mr. Li"),
    ("Denmark", "Ms. Holm"),
    ("France", "Mrs. Martin"),
    ("Greece", "Mr. Pappas"),
    ("Guyana", "Ms. Persaud"),
    ("Japan", "Mr. Sato"),
    ("Pakistan", "Mr. Qureshi"),
    ("Panama", "Ms. Rivera"),
    ("Republic of Korea", "Mr. Kim"),
    ("Russian Federation", "Mr. Orlov"),
    ("Sierra Leone", "Mr. Kamara"),
    ("Slovenia", "Ms. Novak"),
    ("United Kingdom of Great Britain and Northern Ireland", "Ms. Hale"),
]
PRESIDENT_STATE = "United States of America"  # the fifteenth member, named on the President's line
FIFTEEN = sorted([name for name, _ in COUNCIL] + [PRESIDENT_STATE])


def _cover(symbol: str, meeting: int, agenda: str) -> str:
    dots = " . . . . . . . . . . . . . . ."
    lines = [
        f"United Nations {symbol}",
        "Security Council",
        "Eightieth year",
        f"{meeting}th meeting",
        "Monday, 3 March 2025, 10 a.m.",
        "New York",
        "Provisional",
        f"President: Mr. Brooks{dots} ({PRESIDENT_STATE})",
    ]
    for n, (state, delegate) in enumerate(COUNCIL):
        lines.append(f"{'Members: ' if n == 0 else ''}{state}{dots} {delegate}")
    lines += [
        "Agenda",
        agenda,
        "",
        "The meeting was called to order at 10.05 a.m.",
        "Adoption of the agenda",
        "The agenda was adopted.",
    ]
    return "\n".join(lines)


def _wrap(states: list[str]) -> str:
    """A list of States as the record sets it: comma-separated, broken over lines of about 50 characters."""
    lines, line = [], ""
    for n, state in enumerate(states):
        piece = state + ("," if n < len(states) - 1 else "")
        if line and len(line) + len(piece) > 50:
            lines.append(line)
            line = piece
        else:
            line = f"{line} {piece}".strip()
    lines.append(line)
    return "\n".join(lines)


def _put(draft: str) -> str:
    return (
        f"The President: Members of the Council have before them document {draft}, which contains the text of a "
        "draft resolution submitted by France. The Council is ready to proceed to the vote on the draft resolution "
        "before it. I shall put the draft resolution to the vote now."
    )


def unanimous_without_list(folder: Path) -> Path:
    """A unanimous vote by show of hands whose record prints no list: the commonest Security Council form."""
    text = "\n".join(
        [
            _cover("S/PV.9101", 9101, "The situation in Libya"),
            _put("S/2025/120"),
            "A vote was taken by show of hands.",
            "The President: The draft resolution received 15 votes in favour. The draft resolution has been "
            "adopted unanimously as resolution 2771 (2025).",
            "I now give the floor to those members of the Council who wish to make statements after the vote.",
            "Mrs. Martin (France) (spoke in French): France welcomes the renewal of the arms embargo on Libya. "
            "All States must refrain from supplying weapons to the parties.",
            "The meeting rose at 10.40 a.m.",
        ]
    )
    return _write(folder / "S_PV.9101_E.txt", text)


def unanimous_with_list(folder: Path) -> Path:
    """A unanimous vote whose record lists only ``In favour:`` (no Against or Abstaining line)."""
    text = "\n".join(
        [
            _cover("S/PV.9102", 9102, "The situation in Somalia"),
            _put("S/2025/131"),
            "A vote was taken by show of hands.",
            "In favour:",
            _wrap(FIFTEEN),
            "The President: The draft resolution received 15 votes in favour. The draft resolution has been "
            "adopted unanimously as resolution 2772 (2025).",
            "The meeting rose at 10.25 a.m.",
        ]
    )
    return _write(folder / "S_PV.9102_E.txt", text)


def several_votes(folder: Path) -> Path:
    """Three votes in one meeting: an amendment with all three lists, a draft with two lists, and a
    unanimous one without lists; the second announcement disagrees with its lists (14 said, 13 listed)."""
    against = ["Russian Federation"]
    abstaining = ["Pakistan", "Algeria", "Guyana"]
    amendment_yes = ["China", "Russian Federation"]
    amendment_no = [s for s in FIFTEEN if s not in amendment_yes + abstaining]
    second_yes = [s for s in FIFTEEN if s not in ["China", "Russian Federation"]]  # 13
    text = "\n".join(
        [
            _cover("S/PV.9103", 9103, "Maintenance of international peace and security"),
            "The President: I shall now put to the vote the oral amendment proposed by the Russian Federation.",
            "A vote was taken by show of hands.",
            "In favour:",
            _wrap(amendment_yes),
            "Against:",
            _wrap(amendment_no),
            "Abstaining:",
            _wrap(abstaining),
            "The President: The proposed oral amendment received two votes in favour, ten against and three "
            "abstentions. The proposed oral amendment has not been adopted, having failed to obtain the required "
            "number of votes.",
            _put("S/2025/140"),
            "A vote was taken by show of hands.",
            "In favour:",
            _wrap(second_yes),
            "Abstaining:",
            _wrap(["China", "Russian Federation"]),
            "The President: The draft resolution received 14 votes in favour, none against and 2 abstentions. "
            "The draft resolution has been adopted as resolution 2773 (2025).",
            _put("S/2025/141"),
            "A vote was taken by show of hands.",
            "The President: There were 15 votes in favour. The draft resolution has been adopted unanimously as "
            "resolution 2774 (2025).",
            "The meeting rose at 11.15 a.m.",
        ]
    )
    assert len(second_yes) == 13 and against
    return _write(folder / "S_PV.9103_E.txt", text)


GA_YES = [
    "Afghanistan",
    "Algeria",
    "Brazil",
    "Chile",
    "Egypt",
    "India",
    "Indonesia",
    "Mexico",
    "Norway",
    "South Africa",
]
GA_NO = ["Israel", "United States of America"]
GA_ABSTAIN = ["Australia", "Canada", "Hungary"]


def ga_plenary(folder: Path) -> Path:
    """A General Assembly plenary record: a recorded vote, a paragraph vote, adoptions without a vote and by
    consensus, then rights of reply."""
    text = "\n".join(
        [
            "United Nations A/79/PV.45",
            "General Assembly",
            "Seventy-ninth session",
            "45th plenary meeting",
            "Tuesday, 3 December 2024, 10 a.m.",
            "New York",
            "Official Records",
            "President: Mr. Yang . . . . . . . . . . . . . . . . . . . . . . (Cameroon)",
            "The meeting was called to order at 10 a.m.",
            "Agenda item 35",
            "The situation in the Middle East",
            "Draft resolutions (A/79/L.20, A/79/L.21, A/79/L.22 and A/79/L.23)",
            "The President: The Assembly will now take decisions on draft resolutions A/79/L.20 to A/79/L.23. "
            "We turn first to draft resolution A/79/L.20. A recorded vote has been requested.",
            "A recorded vote was taken.",
            "In favour:",
            _wrap(GA_YES),
            "Against:",
            _wrap(GA_NO),
            "Abstaining:",
            _wrap(GA_ABSTAIN),
            "Draft resolution A/79/L.20 was adopted by 10 votes to 2, with 3 abstentions (resolution 79/81).",
            "The President: We turn next to draft resolution A/79/L.21. May I take it that the Assembly decides "
            "to adopt draft resolution A/79/L.21?",
            "Draft resolution A/79/L.21 was adopted (resolution 79/82).",
            "The President: The Assembly will now take a decision on draft decision A/79/L.22.",
            "Draft decision A/79/L.22 was adopted by consensus (decision 79/510).",
            "The President: A separate recorded vote has been requested on operative paragraph 5 of draft "
            "resolution A/79/L.23.",
            "A recorded vote was taken.",
            "In favour:",
            _wrap(GA_YES[:8]),
            "Against:",
            _wrap(GA_NO),
            "Abstaining:",
            _wrap(GA_ABSTAIN + GA_YES[8:]),
            "Operative paragraph 5 was retained by 8 votes to 2, with 5 abstentions.",
            "The President: I now put to the vote draft resolution A/79/L.23 as a whole. A recorded vote has been "
            "requested.",
            "A recorded vote was taken.",
            "In favour:",
            _wrap(GA_YES),
            "Against:",
            _wrap(GA_NO),
            "Draft resolution A/79/L.23 as a whole was adopted by 10 votes to 2 (resolution 79/83).",
            "The President: Before giving the floor for explanations of vote after the voting, may I remind "
            "delegations that explanations are limited to 10 minutes.",
            "Mr. Haddad (Egypt): My delegation voted in favour. All States must cease supplying arms that are "
            "used in violation of international humanitarian law.",
            "The President: We have heard the last speaker in explanation of vote. I now give the floor to those "
            "representatives who wish to speak in exercise of the right of reply. May I remind members that "
            "statements in exercise of the right of reply are limited to 10 minutes for the first intervention "
            "and to five minutes for the second.",
            "Mr. Cohen (Israel): The accusations made this morning are false. Israel has never transferred "
            "weapons to any militia, and we reject these baseless allegations entirely.",
            "Mr. Haddad (Egypt): I take the floor in exercise of the right of reply to the representative of "
            "Israel, who has once again denied the facts.",
            "The meeting rose at 1.05 p.m.",
        ]
    )
    return _write(folder / "A_79_PV.45_E.txt", text)


def ga_resolution(folder: Path, emergency: bool = False, skip: int | None = None) -> Path:
    """A General Assembly resolution (A/RES/79/81, or A/RES/ES-11/7 of an emergency special session),
    optionally with operative paragraph ``skip`` missing from its numbering."""
    symbol = "A/RES/ES-11/7" if emergency else "A/RES/79/81"
    number = "ES-11/7" if emergency else "79/81"
    session = "Eleventh emergency special session" if emergency else "Seventy-ninth session"
    operative = [
        "Demands that all parties comply with their obligations under international humanitarian law;",
        "Calls upon all States to refrain from providing arms, munitions and military equipment to the "
        "parties to the conflict;",
        "Urges all States not to recognize as lawful the situation created by the annexation, and not to "
        "render aid or assistance in maintaining that situation;",
        "Decides that all States shall freeze the funds and other financial assets of the persons and "
        "entities designated by the Committee;",
        "Requests the Secretary-General to report to the General Assembly at its eightieth session on the "
        "implementation of the present resolution;",
        "Decides to remain seized of the matter.",
    ]
    lines = [
        f"United Nations {symbol}",
        "General Assembly Distr.: General",
        "10 December 2024",
        session,
        "Agenda item 35",
        "Resolution adopted by the General Assembly on 3 December 2024",
        "[without reference to a Main Committee (A/79/L.20)]",
        f"{number}. The situation in the Middle East",
        "The General Assembly,",
        "Recalling its relevant resolutions,",
        "Deeply concerned at the continuing supply of weapons to the parties,",
    ]
    for n, paragraph in enumerate(operative, start=1):
        if n != skip:
            lines.append(f"{n}. {paragraph}")
    lines += ["45th plenary meeting", "3 December 2024"]
    name = "A_RES_ES-11_7" if emergency else "A_RES_79_81"
    return _write(folder / f"{name}.txt", "\n".join(lines))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path

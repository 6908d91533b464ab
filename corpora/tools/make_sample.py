"""Write the bundled sample corpus (corpora/sample/): invented documents in the UN's forms.

Run once; the outputs are committed.  Nothing here is quoted from a real record:
the States speak as invented delegates, so that ``make run`` shows every stage
(speeches, a recorded vote, a resolution with refrain clauses, a statement)
on any machine.  The PDF is drawn with fpdf2 in the two-column layout of a
Security Council verbatim record, with running headers and a job-number footer.
"""

from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).resolve().parents[1] / "sample"

COVER = [
    ("United Nations", "S/PV.9990"),
    ("Security Council", ""),
    ("Eighty-first year", ""),
    ("9990th meeting", ""),
    ("Tuesday, 3 March 2026, 10 a.m.", ""),
    ("New York", ""),
]
MEMBERS = [
    ("President:", "Mr. Okafor", "(Nigeria)"),
    ("Members:", "Brazil", "Ms. Duarte"),
    ("", "Algeria", "Mr. Benali"),
    ("", "China", "Mr. Li Wei"),
    ("", "Denmark", "Ms. Holm"),
    ("", "France", "Mrs. Martin"),
    ("", "Greece", "Mr. Pappas"),
    ("", "Guyana", "Ms. Persaud"),
    ("", "Japan", "Mr. Sato"),
    ("", "Pakistan", "Mr. Qureshi"),
    ("", "Panama", "Ms. Rivera"),
    ("", "Republic of Korea", "Mr. Kim"),
    ("", "Russian Federation", "Mr. Orlov"),
    ("", "United Kingdom of Great Britain and Northern Ireland", "Ms. Hale"),
    ("", "United States of America", "Mr. Brooks"),
]
AGENDA = "The situation in Syria"

SPEECHES = [
    (
        "The President",
        "",
        "",
        [
            "In accordance with rule 37 of the Council's provisional rules of procedure, I invite the representative of the Syrian Arab Republic to participate in this meeting.",
            "Members of the Council have before them document S/2026/150, which contains the text of a draft resolution. The Council is ready to proceed to the vote on the draft resolution before it. I shall put the draft resolution to the vote now.",
        ],
    ),
    (
        "Mr. Brooks",
        "United States of America",
        "",
        [
            "We call upon all States to refrain from supplying weapons to any party that attacks civilians in Syria.",
            "The drones that strike hospitals in the north-west are supplied by Iran, and the Council must say so.",
        ],
    ),
    (
        "Mr. Orlov",
        "Russian Federation",
        "Russian",
        [
            "At the request of the legitimate Government of Syria, we provided air support to the Syrian army in its fight against terrorist groups.",
            "The allegations that my country arms militias that commit crimes are baseless and fabricated.",
        ],
    ),
    (
        "The President",
        "",
        "",
        [
            "A vote was taken by show of hands.",
            "In favour:\nBrazil, Denmark, France, Greece, Guyana, Japan, Nigeria, Panama, Republic of Korea, United Kingdom of Great Britain and Northern Ireland, United States of America",
            "Against:\nRussian Federation",
            "Abstaining:\nAlgeria, China, Pakistan",
            "The draft resolution received 11 votes in favour, 1 against and 3 abstentions. The draft resolution has not been adopted, owing to the negative vote of a permanent member of the Council.",
        ],
    ),
    (
        "Mrs. Martin",
        "France",
        "French",
        [
            "France regrets the veto. Certain neighbouring States continue to arm and finance the armed groups operating in the south, and this must stop.",
            "We have provided $20 million in humanitarian aid to the people of Syria.",
        ],
    ),
    (
        "Mr. Haddad",
        "Syrian Arab Republic",
        "Arabic",
        [
            "Turkey and Qatar continue to finance and arm the terrorist groups that operate on our territory, and they harbour their leaders.",
            "My country has never supplied weapons to any terrorist group, and these accusations are fabricated.",
            "The meeting rose at 11.20 a.m.",
        ],
    ),
]


class Record(FPDF):
    def header(self):
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "", 8.5)
        left, right = ("S/PV.9990", "03/03/2026") if self.page_no() % 2 == 0 else ("03/03/2026", "S/PV.9990")
        self.set_xy(60, 40)
        self.cell(80, 10, left)
        self.set_xy(236, 40)
        self.cell(140, 10, AGENDA, align="C")
        self.set_xy(472, 40)
        self.cell(80, 10, right, align="R")

    def footer(self):
        self.set_font("Helvetica", "", 8.5)
        self.set_xy(60, 720)
        self.cell(200, 10, "26-09990 (E)" if self.page_no() == 1 else f"{self.page_no()}/2 26-09990")


def make_record():
    pdf = Record(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    y = 60
    for left, right in COVER:
        pdf.set_xy(60, y)
        pdf.cell(300, 14, left)
        if right:
            pdf.set_xy(452, y)
            pdf.cell(100, 14, right, align="R")
        y += 16
        pdf.set_font("Helvetica", "", 10)
    y += 10
    for role, a, b in MEMBERS:
        pdf.set_xy(60, y)
        pdf.cell(60, 12, role)
        pdf.set_xy(130, y)
        if role == "President:":
            pdf.cell(300, 12, f"{a} . . . . . . . . . . . . . . . . . . . . . . . . . . . . {b}")
        else:
            pdf.cell(300, 12, f"{a} . . . . . . . . . . . . . . . . . . . . {b}")
        y += 12
    pdf.set_xy(60, y + 14)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(100, 12, "Agenda")
    pdf.set_xy(60, y + 30)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(300, 12, AGENDA)
    pdf.set_xy(60, y + 60)
    pdf.multi_cell(
        490,
        11,
        "This record contains the text of speeches delivered in English and of the translation of speeches delivered in other languages. This sample record was invented for the d2r project.",
    )

    # Body: two columns of 235 pt each, starting on page 2.
    pdf.add_page()
    columns, col, top, bottom = (60, 317), 0, 80, 700
    pdf.set_xy(columns[0], top)
    pdf.set_font("Helvetica", "", 10)

    def ensure_room(lines=2):
        nonlocal col
        if pdf.get_y() + 12 * lines > bottom:
            if col == 0:
                col = 1
                pdf.set_xy(columns[1], top)
            else:
                pdf.add_page()
                col = 0
                pdf.set_xy(columns[0], top)

    def paragraph(text, label=""):
        ensure_room(3)
        x = columns[col]
        # write() wraps at the margins: set them to this column before writing anything.
        pdf.set_left_margin(x)
        pdf.set_right_margin(612 - x - 235)
        pdf.set_x(x)
        if label:
            pdf.set_font("Helvetica", "B", 10)
            pdf.write(12, label + ": ")
            pdf.set_font("Helvetica", "", 10)
        for n, line in enumerate(text.split("\n")):
            if n:
                pdf.ln(12)
                ensure_room()
                pdf.set_x(columns[col])
            pdf.write(12, line)
        pdf.ln(16)

    pdf.set_font("Helvetica", "", 10)
    paragraph("The meeting was called to order at 10.05 a.m.")
    paragraph("Adoption of the agenda")
    paragraph("The agenda was adopted.")
    for speaker, delegation, spoke, paragraphs in SPEECHES:
        label = speaker + (f" ({delegation})" if delegation else "") + (f" (spoke in {spoke})" if spoke else "")
        for n, text in enumerate(paragraphs):
            paragraph(text, label if n == 0 else "")
    pdf.output(str(OUT / "sample-verbatim-record-9990.pdf"))


RESOLUTION = """Resolution 9999 (2026)
of 3 March 2026

The Security Council,

Recalling its previous resolutions on the situation in the Republic of Utopia,

Gravely concerned by the continued flow of arms to the armed groups responsible for attacks on civilians,

Acting under Chapter VII of the Charter of the United Nations,

1. Condemns all attacks on civilians and civilian infrastructure;

2. Decides that all States shall immediately take the necessary measures to prevent the direct or indirect supply, sale or transfer to the Liberation Army of Utopia of arms and related materiel of all types;

3. Calls upon all States to refrain from providing any form of financial support to armed groups operating in the territory of Syria;

4. Calls upon all States not to recognize any territorial change brought about by the use of force;

5. Decides to remain seized of the matter.
"""

STATEMENT = """Statement by the delegation of Ruritania to the General Assembly, 15 September 2025

We reaffirm that no State may arm, finance or harbour groups that commit atrocity crimes.

Certain foreign backers continue to supply drones and money to the militias that attack our villages.

We have provided $5 million in humanitarian assistance to refugees in the region.
"""


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    make_record()
    (OUT / "S_RES_9999_2026_sample.txt").write_text(RESOLUTION, encoding="utf-8")
    (OUT / "statement_ruritania_2025.txt").write_text(STATEMENT, encoding="utf-8")
    print("sample corpus written to", OUT)

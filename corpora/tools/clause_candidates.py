import json
import re
import sys
from pathlib import Path

from pipeline.ingest import ingest
from pipeline.segment import segment

DATA = Path("../shared/data/unsc-resolutions")
STATES = re.compile(
    r"\b(States?|Governments?|countries|Member States|all parties|neighbouring|Republic|Kingdom|[A-Z][a-z]+ia\b|Israel|South Africa|Portugal|Rhodesia|Iraq|Kuwait|Libya|Yugoslavia|Somalia|Liberia)\b"
)
TOPIC = re.compile(
    r"\b(arms|armaments?|weapons?|military|munitions?|ammunition|equipment|supply|supplies|supplying|funds?|financ\w*|economic|resources|transit|territory|territories|trade|commodit\w+|products|petroleum|oil|recogni[sz]\w*|assistance|aid|support|embargo|sanctions|shipments?|transport|aircraft|vessels|sale|sell|export|import)\b",
    re.I,
)
rows = []
files = sorted(DATA.glob("*.txt"))
for f in files:
    doc = ingest(f)
    parts = segment(doc)
    ops = [c for c in parts.clauses if c.kind == "operative"]
    for c in ops:
        if STATES.search(c.text) and TOPIC.search(c.text):
            rows.append(
                {
                    "id": f"{doc.symbol}:{c.para}",
                    "file": f.name,
                    "symbol": doc.symbol,
                    "date": doc.date,
                    "para": c.para,
                    "text": c.text,
                    "rule_refrain": c.refrain,
                }
            )
print(len(files), len(rows), sum(r["rule_refrain"] for r in rows), file=sys.stderr)
with open(sys.argv[1] if len(sys.argv) > 1 else "corpora/clauses/candidates.jsonl", "w") as fh:
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")

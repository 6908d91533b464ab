"""Evidence rows: a classified sentence with its document, speaker and tags."""

from __future__ import annotations

from pipeline.classify.predict import Prediction
from pipeline.classify.slots import resolve_speaker
from pipeline.countries import country_name
from pipeline.evidence.legal_basis import clause_tags, evidence_tags
from pipeline.evidence.situations import situation_of
from pipeline.records import Clause, Document, Evidence, Sentence


def make_evidence(doc: Document, sentence: Sentence, prediction: Prediction, model: str) -> Evidence:
    """One ``evidence.csv`` row; ``SPEAKER`` in the slots becomes the speaker's code."""
    slots = {k: resolve_speaker(v, sentence.speaker_iso3) for k, v in prediction.slots.items()}
    speaker = sentence.speaker or country_name(sentence.speaker_iso3)
    return Evidence(
        evidence_id=sentence.sentence_id,
        doc_id=doc.doc_id,
        symbol=doc.symbol,
        date=doc.date,
        year=doc.date[:4],
        speaker=speaker,
        speaker_iso3=sentence.speaker_iso3,
        stance=prediction.stance,
        confidence=prediction.confidence,
        assister=slots.get("assister", ""),
        assisted=slots.get("assisted", ""),
        assistance=slots.get("assistance", ""),
        violation=slots.get("violation", ""),
        legal_basis=evidence_tags(
            prediction.stance, slots.get("assistance", ""), slots.get("violation", ""), sentence.text
        ),
        situation=situation_of(slots.get("assisted", ""), sentence.text, doc.title),
        page=sentence.page,
        sentence=sentence.text,
        context=sentence.context,
        model=model,
    )


def tag_clause(doc: Document, clause: Clause) -> Clause:
    """Legal-basis and situation tags for a refrain clause (other clauses stay untagged)."""
    if clause.refrain:
        clause.legal_basis = clause_tags(clause.mode, clause.assistance, clause.text)
        clause.situation = situation_of(clause.target, clause.text, doc.title)
    return clause

"""d2r: evidence of how States treat the duty to refrain, from UN documents.

The steps, in the one direction data flows (each is importable and documented)::

    ingest        pipeline.ingest.ingest             file -> Document (pages of text, metadata)
    segment       pipeline.segment.segment           Document -> Segments (speeches, votes, clauses, sentences)
    classify      pipeline.classify.predict.classify sentences -> Prediction (stance, confidence, slots)
    tag           pipeline.evidence.make_evidence    sentence + prediction -> Evidence (legal basis, situation)
                  pipeline.evidence.tag_clause       Clause -> Clause with its legal-basis tags
    process_file  pipeline.run.process.process_file  one file through the four steps above (a worker's task)
    assemble      pipeline.aggregate.tables.assemble the cached rows -> the CSV tables and report.html
    run           pipeline.run.run                   input folders -> a run folder (discover, cache, workers, assemble)
    train         pipeline.training.fit.train        corpora/annotations -> models/stance

The function names are not re-exported here: ``ingest``, ``segment``,
``classify`` and ``run`` are also the names of their subpackages, and a
function bound under a subpackage's name is replaced by the module the first
time the subpackage is imported. Import each step from its room.
"""

__version__ = "0.2.0"

# Dotted paths of the public steps, in the order data flows (checked by tests/test_layout.py).
STEPS = (
    "pipeline.ingest.ingest",
    "pipeline.segment.segment",
    "pipeline.classify.predict.classify",
    "pipeline.evidence.make_evidence",
    "pipeline.evidence.tag_clause",
    "pipeline.run.process.process_file",
    "pipeline.aggregate.tables.assemble",
    "pipeline.run.run",
    "pipeline.training.fit.train",
)

"""Choose the refrain-clause model by cross-validation grouped by resolution, and print the figures.

    python corpora/tools/clause_model.py

Reads corpora/clauses/gold.jsonl (see clause_agreement.py); prints F1 of the
hand rules, the linear model and the linear model with the rules' verdict,
and the accuracy of the rules' slots on the gold refrain clauses.
"""

from __future__ import annotations

import json

from pipeline.training.clauses import cross_validate, load_gold, slot_accuracy

if __name__ == "__main__":
    gold = load_gold()
    results = cross_validate(gold)
    print(json.dumps({"cross_validation": results, "slots": slot_accuracy(gold)}, indent=2))

"""Training, off the run-time path: the annotated corpus, fitting and choosing a stance model, its evaluation and card, and the annotation session."""

"""Stage 4: evidence tables, per-State summaries, legal-basis and situation tags, the report."""

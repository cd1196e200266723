"""Existing translations: aligned with their sources (align), adopted into the system of record
(adopt), and used as references to score the pipeline's output (scores, report)."""

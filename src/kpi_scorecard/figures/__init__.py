"""Stage 2: the validated model -> the figures of contract section 3 (no I/O)."""

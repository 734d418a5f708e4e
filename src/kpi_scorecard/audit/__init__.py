"""Stage 3: git -> data-level changes and the states of the data at past commits (the only git user)."""

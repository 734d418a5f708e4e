"""Stage 1: the files of a scorecard repository -> the validated model, or every problem at once."""

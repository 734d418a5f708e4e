"""KPI scorecards as code.

In Python (contract 9)::

    import kpi_scorecard
    sc = kpi_scorecard.open(".")   # validated; ValidationFailed carries every problem
    sc.values()                    # pandas DataFrames: values, figures, periods
    sc.figures()

Importing the package is light: pandas is imported by the first table asked for.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from kpi_scorecard.errors import Problem, ScorecardError, ValidationFailed

if TYPE_CHECKING:
    from kpi_scorecard.frames import LoadedScorecard

__all__ = ["Problem", "ScorecardError", "ValidationFailed", "open"]


# contract 9 names it ``open``; it shadows the builtin in this module only
def open(path: str | os.PathLike[str] = ".") -> LoadedScorecard:
    """The scorecard repository at ``path`` (the folder holding ``kpis/``), validated.

    Raises ``ValidationFailed`` whose ``problems`` list every error (and warning).
    """
    from kpi_scorecard.frames import open_scorecard

    return open_scorecard(path)

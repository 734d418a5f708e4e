"""KPI scorecards as code."""

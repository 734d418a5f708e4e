"""Where values come from besides typing them: databases (kpi pull) and workbooks."""

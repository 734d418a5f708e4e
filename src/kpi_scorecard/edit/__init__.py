"""The writing commands (kpi set, import, new, init): all-or-nothing edits that keep comments."""

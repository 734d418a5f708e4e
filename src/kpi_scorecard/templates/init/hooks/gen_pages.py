"""mkdocs-gen-files script named in mkdocs.yml: the scorecard's pages and exports join the build
(through on_files in hooks/scorecard.py; written here for older hooks)."""

from kpi_scorecard.site import generate_pages

generate_pages()

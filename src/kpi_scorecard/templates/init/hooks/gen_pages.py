"""mkdocs-gen-files script named in mkdocs.yml: writes the scorecard's pages and exports."""

from kpi_scorecard.site import generate_pages

generate_pages()

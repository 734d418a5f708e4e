"""mkdocs hooks named in mkdocs.yml: the work is done by kpi_scorecard.site."""

from kpi_scorecard.site import (
    on_build_error,
    on_files,
    on_nav,
    on_page_content,
    on_page_markdown,
    on_post_build,
    on_post_page,
    on_pre_build,
    on_shutdown,
    on_startup,
)

__all__ = [
    "on_build_error",
    "on_files",
    "on_nav",
    "on_page_content",
    "on_page_markdown",
    "on_post_build",
    "on_post_page",
    "on_pre_build",
    "on_shutdown",
    "on_startup",
]

"""Model and figures -> Markdown pages, chart JSON and exports: pure functions, no I/O."""

"""Reports of a run: one results model, rendered as Markdown, HTML (pytest-html) and JUnit."""

"""Benchmarks: scripts that print figures, run as ``python benchmarks/<name>.py`` (see README "Performance")."""

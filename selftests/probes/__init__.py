"""Probe self-tests. A package so mypy tells this conftest from selftests/conftest.py."""

"""Helpers the phase modules under ``tests/`` share: what several steps of a phase do the same way."""

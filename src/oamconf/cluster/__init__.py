"""The cluster under test: connecting and preflight (and, next, the kind bootstrap)."""

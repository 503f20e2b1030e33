"""Kubernetes access: one narrow typed interface, a real backend and an in-memory one."""

"""Connectivity probes: reach a PostgreSQL, a Redis or a TLS endpoint and say plainly what failed.

Each probe takes an ``Endpoint`` (a port-forward in real runs, a local server in the self-tests),
returns a small frozen dataclass, and raises ``ProbeFailed`` with what failed and the likely fix.
"""

"""oamconf: the harness of the OAM + vCluster platform conformance suite."""

__version__ = "0.1.0"

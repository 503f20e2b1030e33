"""Root conftest: loads the conformance suite's session fixtures (fixtures/*.py).

Kept here because pytest only honours ``pytest_plugins`` in the root conftest.
"""

# configuration first: fixtures.cluster imports it, and pytest must register it before that import.
pytest_plugins = ["fixtures.configuration", "fixtures.cluster"]

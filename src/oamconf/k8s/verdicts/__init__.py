"""What "ready" means for each kind the platform is made of, and which states will not recover.

One module per domain: ``workloads`` (Deployments, StatefulSets, CRDs), ``crossplane`` (packages,
composites, XRDs), ``helm`` (provider-helm Releases), ``kubevela`` (OAM Applications, definitions),
``argocd`` (Argo CD Applications). A verdict reads one object and returns an ``Observation``:
*pending* while the state may still change by itself, *failed* only on a state that needs a person
(read from each project's source at the pinned version; the transient states of a fresh install are
listed with each verdict), so a wait stops at once there instead of sitting out its timeout.
"""

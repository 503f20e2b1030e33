"""The hint catalogue's upstream messages for storage, images, the databases, Services and port-forwards
(phases 2-3), each with the cause and fix it must get: a table of ``test_hint_catalogue``."""

from __future__ import annotations

from hintcases import Case

BITNAMI = "docker.io/bitnami/postgresql:17.6.0-debian-12-r4"

CASES = [
    Case(
        "bitnami-image-check",
        "execution error at (postgresql/templates/primary/statefulset.yaml:1:3): ⚠ ERROR: Original containers have "
        "been substituted for unrecognized ones.",
        "the Bitnami chart's image check refuses a substituted image",
        ("global.security.allowInsecureImages: true",),
    ),
    Case(
        "bitnami-image-gone",  # the Kubernetes >= 1.32 back-off message carries the pull error (facts §8.10)
        f'container postgresql: waiting ImagePullBackOff: Back-off pulling image "{BITNAMI}": ErrImagePull: failed '
        f'to pull and unpack image "{BITNAMI}": failed to resolve reference "{BITNAMI}": {BITNAMI}: not found',
        f"the image {BITNAMI} is gone: Bitnami moved its versioned tags to docker.io/bitnamilegacy in 2025",
        ("image.repository: bitnamilegacy/postgresql", "image.registry: docker.io"),
    ),
    Case(
        "image-not-found",
        'Warning Failed: Failed to pull image "ghcr.io/stefanprodan/podinfo:9.9.9": rpc error: code = NotFound '
        'desc = failed to pull and unpack image "ghcr.io/stefanprodan/podinfo:9.9.9": failed to resolve reference '
        '"ghcr.io/stefanprodan/podinfo:9.9.9": ghcr.io/stefanprodan/podinfo:9.9.9: not found',
        "the image ghcr.io/stefanprodan/podinfo:9.9.9 does not exist in its registry (no such tag or repository)",
        ("docker manifest inspect ghcr.io/stefanprodan/podinfo:9.9.9",),
    ),
    Case(
        "image-pull-denied",
        'Warning Failed: Failed to pull image "acme/private-db:1.0": failed to pull and unpack image '
        '"docker.io/acme/private-db:1.0": failed to resolve reference "docker.io/acme/private-db:1.0": pull access '
        "denied, repository does not exist or may require authorization: server message: insufficient_scope",
        "the registry refuses acme/private-db:1.0: the repository is private or does not exist (Docker Hub says "
        "both ways)",
        ("repository name of acme/private-db:1.0", "imagePullSecret"),
    ),
    Case(
        "image-pull-denied",  # a registry's 401 is about the image, not about the suite's credentials
        'Failed to pull image "ghcr.io/acme/app:1": failed to resolve reference "ghcr.io/acme/app:1": failed to '
        "authorize: failed to fetch anonymous token: unexpected status from GET request: 401 Unauthorized",
        "the registry refuses ghcr.io/acme/app:1: the repository is private or does not exist (Docker Hub says "
        "both ways)",
        ("imagePullSecret",),
    ),
    Case(
        "image-pull-rate-limit",
        'Failed to pull image "postgres:17": failed to pull and unpack image "docker.io/library/postgres:17": '
        "unexpected status code: 429 Too Many Requests - Server message: toomanyrequests: You have reached your "
        "pull rate limit.",
        "Docker Hub's limit on anonymous pulls stopped the pull of postgres:17",
        ("kind load docker-image postgres:17", "containerdConfigPatches"),
    ),
    Case(
        "image-pull",
        'container app: waiting ErrImagePull: failed to pull and unpack image "registry.local:5000/app:1": failed '
        'to do request: Head "https://registry.local:5000/v2/app/manifests/1": connect: connection refused',
        "the image registry.local:5000/app:1 cannot be pulled",
        ("registry's reachability",),
    ),
    Case(
        "image-pull",
        "container app: waiting ImagePullBackOff, ready=False, restarts=0",
        "the image of a container cannot be pulled",
        ("pod's events",),
    ),
    Case(
        "postgres-password-rejected",
        'connection failed: connection to server at "127.0.0.1", port 54321 failed: FATAL:  password '
        'authentication failed for user "orders"',
        "PostgreSQL rejects the password of user orders: it is not the one the database was initialised with",
        ("existingSecret", "data-<release>-postgresql-0", "ALTER USER orders"),
    ),
    Case(
        "postgres-password-rejected",  # the suite's probe keeps the server's sentence
        'PostgreSQL at postgresql://app:***@127.0.0.1:54321/app: password authentication failed for user "app": '
        "check the password in the ComponentDefinition parameters / Secret",
        "PostgreSQL rejects the password of user app: it is not the one the database was initialised with",
        ("ALTER USER app",),
    ),
    Case(
        "redis-password-rejected",
        "Redis at 127.0.0.1:6379: the server rejected the password (WRONGPASS: invalid username-password pair or "
        "user is disabled.)",
        "Redis rejects the password (WRONGPASS): it is not the one the Redis pod started with",
        ("redis-password", "existingSecret", "restart the pod"),
    ),
    Case(
        "redis-password-missing",
        "AuthenticationError: Authentication required.",
        "Redis requires a password and the client sent none (NOAUTH)",
        ("existingSecret, key redis-password",),
    ),
    Case(
        "service-no-endpoints",
        'Error from server (ServiceUnavailable): no endpoints available for service "podinfo"',
        "Service podinfo has no ready endpoints: no Ready pod matches its selector",
        ("kubernetes.io/service-name=podinfo",),
    ),
    Case(
        "service-no-endpoints",
        "Endpoints default/orders-db: no addresses",
        "Service orders-db has no ready endpoints: no Ready pod matches its selector",
        ("kubernetes.io/service-name=orders-db",),
    ),
    Case(
        "port-forward-pod-not-running",  # oamconf/k8s/portforward.py around kubectl's own error
        "PortForwardFailed: kubectl port-forward svc/orders-db-postgresql :5432 -n default exited with status 1: "
        "error: unable to forward port because pod is not running. Current status=Pending",
        "kubectl port-forward to svc/orders-db-postgresql found its pod Pending, not Running",
        ("Running and Ready",),
    ),
    *(
        Case(
            "port-forward-hung-up",  # oamconf/probes/hangup.py: each probe's one text for every form of hang-up
            f"{where}: the connection was closed before {server} answered: the port-forward is up but cannot "
            f"reach the pod (restarting?), or the port is not {server}'s",
            f"the port-forward to {server} is up, but the pod behind it hung up on the connection: not Ready, "
            "restarting, or the Service's port leads to another process",
            (f"targetPort is {server}'s port",),
        )
        for where, server in (
            ("Redis at 127.0.0.1:6379", "Redis"),
            ("PostgreSQL at postgresql://app:***@127.0.0.1:5432/app", "PostgreSQL"),
            ("TLS to vc1.vc1-ns via 127.0.0.1:8443", "the vCluster pod"),
            (
                'Argo CD cluster vc1 (Secret argocd/vcluster-vc1) via 127.0.0.1:8443: Get "https://vc1.vc1-ns.svc:443/version"',
                "the cluster",
            ),
            ("Argo CD API at argocd-server via 127.0.0.1:8080: GET /api/version", "argocd-server"),
        )
    ),
    Case(
        "port-closed",  # oamconf/probes/tls.py connection_failure, as every probe words it
        "PostgreSQL at postgresql://app:***@127.0.0.1:41234/app: connection refused: nothing listens on "
        "127.0.0.1:41234; is the port-forward running and the PostgreSQL pod Ready?",
        "nothing listens on 127.0.0.1:41234, where the suite reached the PostgreSQL pod: the port-forward ended, "
        "or no Ready pod serves that port",
        ("read the pods behind the PostgreSQL pod",),
    ),
    Case(
        "helm-operation-in-progress",  # helm pkg/action/action.go errPending, through provider-helm's condition
        "Synced=False reason=ReconcileError message='failed to upgrade release: another operation "
        "(install/upgrade/rollback) is in progress'",
        "the Helm release is locked in a pending state (pending-install, pending-upgrade or pending-rollback): an "
        "earlier install or upgrade was interrupted, and Helm refuses every new action on it",
        ("spec.rollbackLimit", "crossplane.io/poll-interval", "helm rollback"),
    ),
]

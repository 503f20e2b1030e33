"""The workload verdicts on status written by the real controllers (kube-controller-manager, with kwok running
the pods): a Deployment Available, one past its progress deadline, a StatefulSet ready, a Job complete and one
past its active deadline. The verdicts were written from the API's types; here the controllers fill them in."""

from __future__ import annotations

import re
from typing import Any

import pytest

from oamconf.errors import WaitFailed
from oamconf.k8s.expect import Expect
from oamconf.k8s.kube import KubeCluster
from oamconf.k8s.verdicts.workloads import deployment_available, job_complete, statefulset_ready

NOWHERE = {"oamconf.io/no-such-node": "true"}  # a node selector no node matches: pods stay Pending


def pod_spec(**extra: Any) -> dict[str, Any]:
    return {"containers": [{"name": "app", "image": "registry.invalid/app:1"}], **extra}


def workload(kind: str, namespace: str, spec: dict[str, Any], api_version: str = "apps/v1") -> dict[str, Any]:
    meta = {"name": "web", "namespace": namespace}
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec}


def replicated(replicas: int, **pod: Any) -> dict[str, Any]:
    labels = {"app": "web"}
    template = {"metadata": {"labels": labels}, "spec": pod_spec(**pod)}
    return {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template}


def test_a_deployment_whose_pods_run_is_available(cluster: KubeCluster, namespace: str) -> None:
    ref = cluster.apply(workload("Deployment", namespace, replicated(2))).ref

    live = Expect(cluster)(ref, deployment_available, timeout=60)

    assert str(live.condition("Available")) == (
        "Available=True reason=MinimumReplicasAvailable message='Deployment has minimum availability.'"
    )


def test_a_deployment_past_its_progress_deadline_fails_at_once_in_the_controllers_words(
    cluster: KubeCluster, namespace: str
) -> None:
    spec = {**replicated(1, nodeSelector=NOWHERE), "progressDeadlineSeconds": 1}
    ref = cluster.apply(workload("Deployment", namespace, spec)).ref

    with pytest.raises(WaitFailed) as caught:
        Expect(cluster)(ref, deployment_available, timeout=60)

    assert re.fullmatch(
        rf"Deployment {namespace}/web: want Available=True, is Progressing=False reason=ProgressDeadlineExceeded "
        r"message='ReplicaSet \"web-[a-z0-9]+\" has timed out progressing.'",
        str(caught.value),
    ), str(caught.value)


def test_a_statefulset_whose_pods_run_is_ready(cluster: KubeCluster, namespace: str) -> None:
    ref = cluster.apply(workload("StatefulSet", namespace, {**replicated(2), "serviceName": "web"})).ref

    live = Expect(cluster)(ref, statefulset_ready, timeout=90)

    assert live.field("status.readyReplicas") == 2


def test_a_job_whose_pod_completes_is_complete(cluster: KubeCluster, namespace: str) -> None:
    spec = {"template": {"spec": pod_spec(restartPolicy="Never")}}
    ref = cluster.apply(workload("Job", namespace, spec, api_version="batch/v1")).ref

    live = Expect(cluster)(ref, job_complete, timeout=60)

    assert live.field("status.succeeded") == 1
    assert {c.type for c in live.conditions} >= {"Complete", "SuccessCriteriaMet"}


def test_a_job_past_its_active_deadline_fails_at_once_in_the_controllers_words(
    cluster: KubeCluster, namespace: str
) -> None:
    pod = pod_spec(restartPolicy="Never", nodeSelector=NOWHERE)
    spec = {"activeDeadlineSeconds": 1, "template": {"spec": pod}}
    ref = cluster.apply(workload("Job", namespace, spec, api_version="batch/v1")).ref

    with pytest.raises(WaitFailed) as caught:
        Expect(cluster)(ref, job_complete, timeout=60)

    assert str(caught.value) == (
        f"Job {namespace}/web: want Complete=True, is Failed=True reason=DeadlineExceeded "
        "message='Job was active longer than specified deadline'"
    )

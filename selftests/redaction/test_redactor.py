"""Secrets never reach a report: known values and credential shapes are masked."""

from __future__ import annotations

import base64

import pytest

from oamconf.redact import MASK, Redactor


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "postgresql://testuser:testpass123@test-db-postgresql.default.svc.cluster.local:5432/testdb",
            "postgresql://testuser:***@test-db-postgresql.default.svc.cluster.local:5432/testdb",
            id="connection-string",
        ),
        pytest.param("redis://:s3cr3t-redis@cache:6379/0", "redis://:***@cache:6379/0", id="redis-url-no-user"),
        pytest.param(
            "host=db user=app password=hunter2 dbname=app", "host=db user=app password=*** dbname=app", id="libpq"
        ),
        pytest.param('{"bearerToken": "abc.def.ghi", "x": 1}', '{"bearerToken": "***", "x": 1}', id="argocd-json"),
        pytest.param("Authorization: Bearer 0123456789abcdef", "Authorization: Bearer ***", id="bearer-header"),
        pytest.param("    client-key-data: LS0tLS1CRUdJTiBSU0E=", "    client-key-data: ***", id="kubeconfig-key"),
        pytest.param("auth.password=pw123 auth.username=app", "auth.password=*** auth.username=app", id="helm-set"),
        pytest.param("redis-password: c2VjcmV0", "redis-password: ***", id="chart-secret-key"),
    ],
)
def test_credential_shapes_are_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


def test_a_private_key_block_is_masked_whole(redactor: Redactor) -> None:
    pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIOf\nAoGBAL\n-----END EC PRIVATE KEY-----"
    assert (
        redactor.redact(f"key:\n{pem}\nrest")
        == f"key:\n-----BEGIN EC PRIVATE KEY-----{MASK}-----END EC PRIVATE KEY-----\nrest"
    )


def test_a_service_account_token_is_masked_anywhere(redactor: Redactor) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl"
    assert redactor.redact(f"the token {jwt} expired") == f"the token {MASK} expired"


def test_a_registered_value_is_masked_plain_and_in_base64(redactor: Redactor) -> None:
    redactor.add_secret("Zq9-unusual-pass")
    encoded = base64.b64encode(b"Zq9-unusual-pass").decode()
    assert redactor.redact(f"saw Zq9-unusual-pass and {encoded}") == f"saw {MASK} and {MASK}"


def test_the_values_of_a_secret_read_from_the_cluster_are_masked(redactor: Redactor) -> None:
    kubeconfig = "apiVersion: v1\nusers:\n- user:\n    token: abcdefghijklmnopqrstuvwxyz012345\n"
    data = {
        "password": base64.b64encode(b"db-pass-4321").decode(),
        "config": base64.b64encode(kubeconfig.encode()).decode(),
    }
    redactor.add_secret_data(data)
    text = redactor.redact("log: auth with db-pass-4321; raw token abcdefghijklmnopqrstuvwxyz012345")
    assert "db-pass-4321" not in text
    assert "abcdefghijklmnopqrstuvwxyz012345" not in text


def test_short_values_are_not_registered_so_reports_stay_readable(redactor: Redactor) -> None:
    redactor.add_secret("app")
    assert redactor.redact("the app is running") == "the app is running"


def test_objects_lose_secret_data_and_credential_fields(redactor: Redactor) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "data": {"password": "aGVsbG8=", "user": "YXBw"}}
    release = {"spec": {"forProvider": {"values": {"auth": {"password": "pw-in-values", "username": "app"}}}}}
    assert redactor.redact_object(secret)["data"] == {"password": MASK, "user": MASK}
    auth = redactor.redact_object(release)["spec"]["forProvider"]["values"]["auth"]
    assert auth == {"password": MASK, "username": "app"}


def test_ordinary_text_is_left_alone(redactor: Redactor) -> None:
    text = "Release test-db-postgresql: want Ready=True, is Ready=False reason=Unavailable (waited 300s)"
    assert redactor.redact(text) == text

"""Secrets never reach a report: known values and credential shapes are masked."""

from __future__ import annotations

import base64
import re

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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("POSTGRES_PASSWORD=hunter2 x", "POSTGRES_PASSWORD=*** x", id="env-prefix"),
        pytest.param("export PGPASSWORD=hunter2", "export PGPASSWORD=***", id="libpq-env"),
        pytest.param("REDIS_PASSWORD: hunter2", "REDIS_PASSWORD: ***", id="redis-env"),
        pytest.param("  postgresPassword: hunter2", "  postgresPassword: ***", id="camel-case"),
        pytest.param("adminPassword=hunter2", "adminPassword=***", id="admin"),
        pytest.param(
            "--set auth.postgresPassword=pw1,auth.database=app",
            "--set auth.postgresPassword=***,auth.database=app",
            id="helm-set-dotted",
        ),
        pytest.param('{"postgresPassword":"pw1","b":1}', '{"postgresPassword":"***","b":1}', id="json-compact"),
        pytest.param("DB_PASS=pw1", "DB_PASS=***", id="short-word-after-separator"),
        pytest.param("args: --password=pw1", "args: --password=***", id="flag-inside-a-value"),
        pytest.param(
            "- name: POSTGRES_PASSWORD\n  value: pw1", "- name: POSTGRES_PASSWORD\n  value: ***", id="env-entry"
        ),
    ],
)
def test_keys_that_end_with_a_sensitive_word_are_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("password: 'two words'", "password: '***'", id="single-quoted"),
        pytest.param('"password": "two \\" words", "x": 1', '"password": "***", "x": 1', id="json-escaped-quote"),
        pytest.param("{'password': 'it''s here'}", "{'password': '***'}", id="yaml-doubled-quote"),
        pytest.param("password: 'never closed", "password: '***", id="unterminated"),
        pytest.param('"log": "password=\\"pw1\\""', '"log": "password=\\"***\\""', id="json-in-a-json-string"),
    ],
)
def test_a_quoted_value_is_masked_up_to_its_closing_quote(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "password_policy: strict",
        "passwordless: true",
        "tokenizer=bert",
        "bypass: yes",
        "max_tokens: 100",
        "secretName: test-db-postgresql",
        "existingSecret: test-db-postgresql",
        "existingSecretPasswordKey: postgres-password",
        "usePassword: true",
    ],
)
def test_keys_that_only_contain_a_sensitive_word_stay_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


def test_objects_mask_fields_ending_with_a_sensitive_word_but_not_key_names(redactor: Redactor) -> None:
    values = {
        "auth": {
            "postgresPassword": "pg-admin-pw",
            "adminPassword": "admin-pw",
            "password": 123456,
            "existingSecret": "test-db-postgresql",
            "existingSecretPasswordKey": "postgres-password",
            "enablePostgresUser": True,
        }
    }
    assert redactor.redact_object(values)["auth"] == {
        "postgresPassword": MASK,
        "adminPassword": MASK,
        "password": MASK,
        "existingSecret": "test-db-postgresql",
        "existingSecretPasswordKey": "postgres-password",
        "enablePostgresUser": True,
    }


def test_env_entries_and_helm_set_items_named_like_a_credential_lose_their_value(redactor: Redactor) -> None:
    from_secret = {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "cache", "key": "redis-password"}}}
    container = {
        "env": [
            {"name": "POSTGRES_PASSWORD", "value": "env-pw-1"},
            {"name": "POSTGRES_USER", "value": "app"},
            from_secret,
        ],
        "set": [{"name": "auth.postgresPassword", "value": "set-pw-2"}],
    }
    redacted = redactor.redact_object(container)
    assert redacted["env"] == [
        {"name": "POSTGRES_PASSWORD", "value": MASK},
        {"name": "POSTGRES_USER", "value": "app"},
        from_secret,
    ]
    assert redacted["set"] == [{"name": "auth.postgresPassword", "value": MASK}]


def _decodings(text: str) -> list[bytes]:
    """Everything the base64 runs in *text* decode to, read from each of the four character offsets."""
    found = []
    for run in re.findall(r"[A-Za-z0-9+/]+", text):
        for offset in range(4):
            chunk = run[offset:]
            found.append(base64.b64decode(chunk[: len(chunk) // 4 * 4]))
    return found


@pytest.mark.parametrize("before", [b"", b"k", b"ke", b"kubeconfig: "], ids=["aligned", "shift-1", "shift-2", "long"])
def test_a_secret_inside_a_larger_base64_text_is_masked_at_every_alignment(redactor: Redactor, before: bytes) -> None:
    """A password inside a base64 kubeconfig or values file: its base64 depends on where it starts."""
    secret = b"Zq9-unusual-pass"
    redactor.add_secret(secret.decode())
    blob = base64.b64encode(before + secret + b"\nserver: https://10.0.0.1:6443\n").decode()

    redacted = redactor.redact(f"data: {blob}")

    assert MASK in redacted
    assert not [d for d in _decodings(redacted) if secret[1:4] in d], "part of the secret can still be decoded"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "helm registry login ghcr.io --username bot --password Zq9flag-pass",
            "helm registry login ghcr.io --username bot --password ***",
            id="helm-registry-login",
        ),
        pytest.param("argocd login --token abc", "argocd login --token ***", id="short-token"),
        pytest.param("--password=Zq9flag-pass --x", "--password=*** --x", id="equals"),
        pytest.param("az login --client-secret 'a b' -t x", "az login --client-secret '***' -t x", id="quoted"),
        pytest.param("--api-key k1 --kube-token t2", "--api-key *** --kube-token ***", id="api-key-and-suffix"),
        pytest.param("--db-password\tpw1", "--db-password\t***", id="tab"),
    ],
)
def test_a_flag_naming_a_credential_loses_the_argument_after_it(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "helm registry login ghcr.io --password-stdin --username bot",
        "kubectl --token-file /var/run/token get pods",
        "--secret-name test-db-postgresql",
        "--password --username bot",  # a flag given no value: the next word is the next flag
        "-p pytester -p no:cacheprovider",  # short flags mean something else in every tool
    ],
)
def test_flags_that_only_mention_a_credential_keep_their_argument(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("auth with token Tk9x4mPq2Lr8 failed", "auth with token *** failed", id="token"),
        pytest.param("password Zq9-prose-pw.", "password ***.", id="sentence-end"),
        pytest.param("login with password: Zq9-prose-pw", "login with password: ***", id="colon"),
        pytest.param("the password is Hunter!Pass", "the password is ***", id="is-three-kinds"),
        pytest.param("api key 0123456789abcdef0123 rejected", "api key *** rejected", id="hex"),
        pytest.param("Token 'kQwErTyUiOp+AsDfGhJkLzX' expired", "Token '***' expired", id="quoted-base64"),
        pytest.param("client secret aB3$dEf9 is wrong", "client secret *** is wrong", id="client-secret"),
    ],
)
def test_a_credential_named_in_prose_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "token rejected",
        "the token is expired",
        "password authentication failed for user testuser",
        "the token was revoked by the API server",
        "error InvalidToken; tokens 12 of 20 used",
        "Secret argocd/vcluster-vc1 not found",  # a Secret's name is how reports name the object
        "password for user app123 changed",
        "token ServiceAccountTokenRequest",
    ],
)
def test_prose_about_credentials_stays_readable(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"password":\n  "pw-1"}', '{"password":\n  "***"}', id="line-break"),
        pytest.param(r"'{\"a\": 1,\n \"password\":\n \"pw-1\"}'", r"'{\"a\": 1,\n \"password\":\n \"***\"}'", id="esc"),
        pytest.param('\'{"password":\\n "pw-1"}\'', '\'{"password":\\n "***"}\'', id="escaped-line-break"),
    ],
)
def test_a_json_password_after_a_line_break_is_masked(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


def test_a_yaml_key_whose_value_is_on_the_next_lines_keeps_them() -> None:
    text = "auth:\n  password:\n    existingSecret: test-db-postgresql"
    assert Redactor().redact(text) == text


def test_pytest_locals_split_by_pprint_are_joined_where_a_secret_hides(redactor: Redactor) -> None:
    """pytest -l -vv prints a long JSON string as literals on several lines; key and value part."""
    local = (
        'body       = (\'{"user": "app", "note": \'\n'
        ' \'"yyyyyyyyyyyyyyyyyyyy", "password": \'\n'
        ' \'"Zq9-split-pass", "more": "z"}\')'
    )
    assert redactor.redact(local) == local, "the plain text rules cannot see this one"

    assert redactor.redact_repr(local) == (
        'body       = (\'{"user": "app", "note": "yyyyyyyyyyyyyyyyyyyy", "password": "***", "more": "z"}\')'
    )


def test_pytest_locals_keep_their_layout_when_nothing_is_masked(redactor: Redactor) -> None:
    local = "padding    = ('xxxxxxxxxxxxxxxxxxxx '\n 'yyyyyyyyyyyyyyyyyy')"
    assert redactor.redact_repr(local) == local


@pytest.mark.parametrize("cut_at", [4, 9, 15])
def test_what_a_cut_repr_leaves_of_a_known_secret_is_masked(redactor: Redactor, cut_at: int) -> None:
    """saferepr shortens a long local to its two ends with "..." between: a secret may straddle it."""
    secret = "Zq9-unusual-pass-77"
    redactor.add_secret(secret)
    before = f"'connect as {secret[:cut_at]}...{secret[cut_at:]} now'"

    redacted = redactor.redact_repr(before)

    assert redacted == f"'connect as {MASK}...{MASK} now'"


def test_every_credential_in_a_json_secret_value_is_masked_on_its_own(redactor: Redactor) -> None:
    """Argo CD's cluster Secret keeps its bearer token inside the JSON of its config key."""
    config = '{"bearerToken": "Zq9-argo-bearer-42", "password": "pw-123", "tlsClientConfig": {"insecure": false}}'
    redactor.add_secret_data({"config": base64.b64encode(config.encode()).decode()})

    text = redactor.redact("cluster refused Zq9-argo-bearer-42; login pw-123 failed; insecure false")

    assert text == f"cluster refused {MASK}; login {MASK} failed; insecure false"


def test_names_in_a_secret_holding_helm_values_stay_readable_while_its_credentials_are_masked() -> None:
    redactor = Redactor()
    values = (
        "controlPlane:\n  proxy:\n    extraSANs:\n    - vc1.vc1-ns.svc\n"
        "networking:\n  replicateServices:\n    fromHost:\n    - from: conformance/podinfo-db\n"
        "      to: demo/podinfo-db\n"
        "image: ghcr.io/loft-sh/vcluster-pro:0.36.1\n"
        "externalDatabase:\n  password: Zq8vLm2pXr4tWy6k\n  token: s3cr3tT0kenValue99\n"
    )
    redactor.add_secret_data({"config.yaml": base64.b64encode(values.encode()).decode()})

    text = redactor.redact(
        "replicates conformance/podinfo-db to vc1.vc1-ns.svc with ghcr.io/loft-sh/vcluster-pro:0.36.1; "
        "db login Zq8vLm2pXr4tWy6k failed, token s3cr3tT0kenValue99"
    )

    assert "conformance/podinfo-db" in text
    assert "vc1.vc1-ns.svc" in text
    assert "ghcr.io/loft-sh/vcluster-pro:0.36.1" in text
    assert "Zq8vLm2pXr4tWy6k" not in text
    assert "s3cr3tT0kenValue99" not in text

"""The source lines a traceback quotes are code: readable, except for the secrets written into them."""

from __future__ import annotations

import pytest

from oamconf.redact import Redactor
from oamconf.redact.code import redact_code_line, redact_traceback


@pytest.mark.parametrize(
    "line",
    [
        "    namespace, secret = profile.namespaces.apps, profile.secrets.app",
        ">       password = os.environ[NAME]",
        "        token = client.login(user, password=credentials.password)",
    ],
)
def test_code_that_names_a_credential_is_left_as_written(line: str) -> None:
    assert redact_code_line(line, Redactor()) == line


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('    password = "Hunt3r-pw-4471"', '    password = "***"'),
        ("    run('psql --password=Fl4g-pw-2290 -h db')", "    run('psql --password=*** -h db')"),
        ('    dsn = "postgresql://app:C0nn-pw-9054@db/app"', '    dsn = "postgresql://app:***@db/app"'),
        ("    secret = profile.x  # token: Tok3n-in-a-comment-77", "    secret = profile.x  # token: ***"),
    ],
)
def test_a_credential_written_in_a_literal_or_comment_is_masked(line: str, shown: str) -> None:
    assert redact_code_line(line, Redactor()) == shown


def test_a_secret_the_run_learnt_is_masked_in_code_too() -> None:
    redactor = Redactor()
    redactor.add_secret("L3arnt-value-8812")
    assert redact_code_line("    check(L3arnt-value-8812)", redactor) == "    check(***)"


def test_the_text_around_code_lines_is_redacted_whole() -> None:
    code = "    namespace, secret = profile.namespaces.apps, x"
    text = f"{code}\nE   failed: password=Pl4in-pw-1234\nE   -----BEGIN RSA PRIVATE KEY-----\nE   abc\n"
    shown = redact_traceback(text, Redactor(), {code})
    assert shown.splitlines()[0] == code
    assert "Pl4in-pw-1234" not in shown

"""Mail settings as check-config and serve report them: a bad SMTP URL or TLS mode, clear
text to another host, a short link key, a server without a sender, a user without a
password, and mail routes with no server to send them through."""
import re

import pytest

from conftest import DEFAULT_POLICY

MAIL = {"HEALER_SMTP_URL": "smtp://127.0.0.1:2525", "HEALER_SMTP_TLS": "none",
        "HEALER_MAIL_FROM": "healer@example.com"}
ROUTES = DEFAULT_POLICY + "mail:\n  routes:\n    - to: [oncall@example.com]\n"


@pytest.fixture
def d(healer):
    return healer(start=False)


def check(d, **env):
    d.env_extra.update(env)
    p = d.cli("check-config", check=False)
    return p.returncode, p.stdout + p.stderr


def test_loopback_mail_settings_pass(d):
    rc, out = check(d, HEALER_LINK_KEY="k" * 32, HEALER_PUBLIC_URL="https://healer.example",
                    HEALER_SMTP_USER="u", HEALER_SMTP_PASSWORD="p", **MAIL)
    assert rc == 0, out
    assert "configuration OK" in out


@pytest.mark.parametrize("env,words", [
    ({"HEALER_SMTP_URL": "http://127.0.0.1:2525"},
     ["error: HEALER_SMTP_URL=http://127.0.0.1:2525", "smtp://", "smtps://"]),
    ({"HEALER_SMTP_URL": "smtp://"}, ["error: HEALER_SMTP_URL=smtp://", "no host"]),
    ({"HEALER_SMTP_URL": "smtps://:465"}, ["error: HEALER_SMTP_URL=smtps://:465", "no host"]),
    ({"HEALER_SMTP_URL": "smtp://u@:25"}, ["error: HEALER_SMTP_URL=smtp://***@:25", "no host"]),
    ({"HEALER_SMTP_TLS": "starttls"},
     ["error: HEALER_SMTP_TLS=starttls", "required or none"]),
    ({"HEALER_SMTP_URL": "smtp://mail.example.com:25"},
     ["error: HEALER_SMTP_TLS=none", "loopback"]),
    ({"HEALER_LINK_KEY": "short-key"}, ["error: HEALER_LINK_KEY", "at least 32"]),
    ({"HEALER_PUBLIC_URL": "healer.example"},
     ["error: HEALER_PUBLIC_URL=healer.example", "http://"]),
    ({"HEALER_MAIL_FROM": ""}, ["error: HEALER_SMTP_URL", "HEALER_MAIL_FROM"]),
    ({"HEALER_SMTP_USER": "mailer"}, ["error: HEALER_SMTP_USER", "HEALER_SMTP_PASSWORD"]),
], ids=["url-scheme", "url-no-host", "url-port-only", "url-user-no-host", "tls-mode", "clear-text-remote",
        "short-link-key", "public-url-scheme", "no-sender", "user-without-password"])
def test_bad_mail_settings_fail(d, env, words):
    rc, out = check(d, **{**MAIL, **env})
    assert rc == 1, out
    assert "configuration OK" not in out
    for w in words:
        assert w in out, (w, out)


def test_link_key_is_not_echoed(d):
    rc, out = check(d, HEALER_LINK_KEY="sekrit-key-value")
    assert rc == 1, out
    assert "sekrit-key-value" not in out


def test_smtp_url_credentials_are_not_echoed(d):
    rc, out = check(d, **{**MAIL, "HEALER_SMTP_URL": "http://mailer:pa55word@relay:25/"})
    assert rc == 1, out
    assert "error: HEALER_SMTP_URL=http://***@relay:25/" in out, out
    assert "pa55word" not in out and "mailer" not in out, out


def test_mail_routes_without_a_server_is_a_warning(healer):
    d = healer(policy=ROUTES, start=False)
    rc, out = check(d)
    assert rc == 0, out
    assert re.search(r"(?m)^warning: .*mail: routes.*HEALER_SMTP_URL is not set", out), out
    assert "configuration OK" in out
    rc, out = check(d, **MAIL)
    assert rc == 0, out
    assert "HEALER_SMTP_URL is not set" not in out


def test_serve_logs_the_mail_findings_and_runs_on(healer):
    d = healer(policy=ROUTES, start=False)
    d.start(HEALER_SMTP_USER="mailer", HEALER_LINK_KEY="short-key")
    log = d.log_tail(200)
    assert re.search(r"configuration: HEALER_SMTP_USER is set but HEALER_SMTP_PASSWORD", log), log
    assert re.search(r"configuration: HEALER_LINK_KEY is 9 bytes", log), log
    assert re.search(r"configuration: the policy has mail: routes but HEALER_SMTP_URL", log), log
    d.send("help")
    d.read_until(r"(?i)incident")

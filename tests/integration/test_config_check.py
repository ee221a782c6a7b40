"""Configuration as an operator meets it: `cp .env.example .env`, `healer check-config` on
settings that `serve` would refuse or warn about, and the start-up line per adapter."""
import re
import shutil

import pytest

from conftest import REPO


@pytest.fixture
def d(healer):
    return healer(start=False)


def check(d, **env):
    d.env_extra.update(env)
    p = d.cli("check-config", check=False)
    return p.returncode, p.stdout + p.stderr


def test_defaults_are_ok(d):
    rc, out = check(d)
    assert rc == 0, out
    assert "configuration OK" in out


@pytest.mark.parametrize("env,words", [
    ({"HEALER_LISTEN": "bogus"}, ["HEALER_LISTEN=bogus", "host:port"]),
    ({"HEALER_LISTEN": "127.0.0.1:99999"}, ["HEALER_LISTEN", "port"]),
    ({"TEAMS_APP_ID": "app-id"}, ["TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID", "not set"]),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_APP_TOKEN", "SLACK_CHANNEL", "not set"]),
    ({"TEAMS_ALLOW_ANONYMOUS": "1", "HEALER_LISTEN": "0.0.0.0:0"},
     ["TEAMS_ALLOW_ANONYMOUS", "loopback"]),
    ({"HEALER_HTTP_MAX_CONNS": "lots"}, ["HEALER_HTTP_MAX_CONNS=lots", "whole number"]),
    ({"HEALER_CONSOLE": "yes"}, ["HEALER_CONSOLE=yes", "0 or 1"]),
    ({"HEALER_FETCH_WORKERS": "64"}, ["HEALER_FETCH_WORKERS=64", "from 1 to 16"]),
    ({"HEALER_MAIL_PER_S": "fast"}, ["HEALER_MAIL_PER_S=fast", "mails a second"]),
], ids=["listen-bogus", "listen-port", "teams-id-alone", "slack-bot-alone",
        "anonymous-on-every-interface", "max-conns", "console-yes", "fetch-workers",
        "mail-per-s"])
def test_bad_environment_fails(d, env, words):
    rc, out = check(d, **env)
    assert rc == 1, out
    assert "configuration OK" not in out
    line = next((ln for ln in out.splitlines() if ln.startswith("error:")), "")
    for w in words:
        assert w in out, (w, out)
    assert line, out


def test_secret_values_are_not_echoed(d):
    rc, out = check(d, SLACK_BOT_TOKEN="xoxb-very-secret")
    assert rc == 1
    assert "xoxb-very-secret" not in out


def test_missing_ingest_token_is_a_warning(d):
    rc, out = check(d, HEALER_INGEST_TOKEN="")
    assert rc == 0, out
    assert re.search(r"(?m)^warning: HEALER_INGEST_TOKEN is not set", out), out
    assert "configuration OK" in out


def test_complete_slack_settings_pass(d):
    rc, out = check(d, SLACK_APP_TOKEN="xapp-1", SLACK_BOT_TOKEN="xoxb-1", SLACK_CHANNEL="C1")
    assert rc == 0, out


def test_env_example_copied_keeps_the_console_on(d):
    """Empty KEY= lines in .env are unset: no chat credentials, so the console runs."""
    shutil.copy(REPO / ".env.example", d.root / ".env")
    rc, out = check(d, HEALER_CONSOLE="")
    assert rc == 0, out
    d.env_extra["HEALER_CONSOLE"] = ""
    d.start()
    log = d.log_tail(200)
    assert re.search(r"console: on", log), log
    assert "slack: off (SLACK_APP_TOKEN and SLACK_BOT_TOKEN not set)" in log, log
    assert re.search(r"teams: off \(TEAMS_APP_ID", log), log
    d.send("help")
    d.read_until(r"(?i)incident")


def test_console_off_line_names_the_chat_setting(d):
    d.env_extra.update(HEALER_CONSOLE="", SLACK_APP_TOKEN="xapp-1", SLACK_BOT_TOKEN="xoxb-1",
                       SLACK_CHANNEL="C1", SLACK_API_URL="http://127.0.0.1:9/")
    d.start()
    log = d.log_tail(200)
    assert "console: off (SLACK_BOT_TOKEN is set; HEALER_CONSOLE=1 keeps it on)" in log, log

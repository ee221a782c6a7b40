"""Helpers for the web UI tests: a policy naming email users, a runbook that waits for
approval, and signing in through a link printed by `healer login-link`."""
import html
import re
import urllib.parse

LINK_KEY = "web-ui-test-link-key-0123456789abcdef"

POLICY = """\
autopilot: {max_risk: low, max_cost_usd: 20, min_confidence: 0.8, max_usd_per_day: 100}
approvals:
  low:      {roles: [any], count: 1}
  medium:   {roles: [engineer, lead, admin], count: 1}
  high:     {roles: [lead, admin], count: 1, requester_may_approve: false}
  critical: {roles: [lead, admin], count: 2, requester_may_approve: false}
approval_ttl: 30m
limits: {max_runs_per_hour: 100, max_concurrent: 10, cooldown_per_resource: 0s}
freeze: []
roles:
  admin:    ["email:alice@example.com", "console:root"]
  lead:     ["console:lead1"]
  engineer: ["email:eve@example.com"]
"""

# medium risk: waits for one approval from an engineer or above
RESTART = """\
id: restart-web
title: Restart the web service
description: Restarts it.
match:
  - labels: {alertname: WebDown}
params:
  service: {from: labels.service, pattern: '^[a-z0-9@._-]{1,64}$', required: true}
risk: medium
cost: {usd: 0}
diagnostics:
  - {name: status, exec: [/bin/echo, "status of {{service}}: stuck"]}
steps:
  - {name: restart, exec: [/bin/echo, "restarted {{service}}"], timeout: 10s}
verify:
  - {name: check, exec: [/bin/true]}
"""


def web_daemon(healer, **env):
    e = {"HEALER_LINK_KEY": LINK_KEY}
    e.update(env)
    return healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, user="root", **e)


def login_link(d, address):
    p = d.cli("login-link", address)
    url = p.stdout.strip()
    assert "/ui/login/link?t=v1." in url, p
    return url


def link_path(url):
    """The path and query of a link (the CLI does not know the port a test daemon got)."""
    u = urllib.parse.urlsplit(url)
    return u.path + "?" + u.query


def form_fields(page):
    """name → value of the hidden inputs of a page."""
    return {html.unescape(m.group(1)): html.unescape(m.group(2)) for m in re.finditer(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def set_cookie(r):
    """The name=value of a response's Set-Cookie, or None."""
    sc = r.headers.get("set-cookie")
    return sc.split(";")[0] if sc else None


def link_form(d, path, cookie=None):
    """Opens a sign-in link's page as a browser would: (its form's fields, the pre-session
    cookie the page set or the one it was given)."""
    r = get(d, path, cookie)
    assert r.status == 200, r
    return form_fields(r.text), cookie or set_cookie(r)


def login_form(d, cookie=None):
    """The sign-in form's fields and its pre-session cookie."""
    return link_form(d, "/ui/login", cookie)


def post_login(d, address, cookie=None, headers=None):
    """Posts the sign-in form as a browser would (token and cookie from the form's page)."""
    f, cookie = login_form(d, cookie)
    return post(d, "/ui/login", dict(f, email=address), cookie, headers)


def sign_in(d, address="alice@example.com"):
    """Signs in through a printed link; returns the Cookie header value."""
    f, pre = link_form(d, link_path(login_link(d, address)))
    r = post(d, "/ui/login/link", f, pre)
    assert r.status == 303, r
    cookie = r.headers["set-cookie"].split(";")[0]
    assert cookie.startswith("healer_session=")
    return cookie


def get(d, path, cookie=None, headers=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return d.request("GET", path, token=None, headers=h)


def post(d, path, fields, cookie=None, headers=None):
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    if cookie:
        h["Cookie"] = cookie
    return d.request("POST", path, urllib.parse.urlencode(fields), token=None, headers=h)

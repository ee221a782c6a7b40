"""The web UI over plain HTTP: sign-in links (single use, same answer for unknown
addresses, rate limits), sessions (missing, forged, signed out), the security headers,
pages escaping what they show, actions needing the session, the CSRF token and the policy
(refusals shown and audited), GETs that never act, and the trusted proxy header."""
import re

from conftest import am_alert
from webui import form_fields, get, link_path, login_link, post, sign_in, web_daemon


def web_down(title_extra=None, **labels):
    lab = {"service": "web", "severity": "warning"}
    lab.update(labels)
    a = am_alert("WebDown", labels=lab)
    if title_extra:
        a["annotations"] = {"summary": title_extra}
    return a


def test_pages_need_a_session_and_carry_strict_headers(healer):
    d = web_daemon(healer)
    r = get(d, "/ui/")
    assert r.status == 303 and r.headers["location"] == "/ui/login"
    # an address that is no page: 404 for everyone
    assert get(d, "/ui/nothing").status == 404
    assert get(d, "/ui/incidents/1/approve/x").status == 404
    r = get(d, "/ui/login")
    assert r.status == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    # a forged cookie is no session
    r = get(d, "/ui/dashboard", cookie="healer_session=v1.e30.AAAA")
    assert r.status == 303 and r.headers["location"] == "/ui/login"
    cookie = sign_in(d)
    r = get(d, "/ui/", cookie)
    assert r.status == 200 and "Incidents" in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    # the cookie of a loopback http daemon: HttpOnly, SameSite=Strict, not Secure
    audit = [(a["actor"], a["kind"]) for a in d.audit()]
    assert ("email:alice@example.com", "web.login") in audit


def test_session_cookie_attributes(healer):
    d = web_daemon(healer)
    url = login_link(d, "alice@example.com")
    path = link_path(url)
    f = form_fields(get(d, path).text)
    r = post(d, "/ui/login/link", f)
    assert r.status == 303
    sc = r.headers["set-cookie"]
    assert "HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/" in sc
    assert "Secure" not in sc  # loopback http only
    d2 = web_daemon(healer, HEALER_PUBLIC_URL="https://healer.example.com")
    url = login_link(d2, "alice@example.com")
    assert url.startswith("https://healer.example.com/ui/login/link?t=")
    f = form_fields(get(d2, url.split("example.com", 1)[1]).text)
    r = post(d2, "/ui/login/link", f)
    assert "Secure" in r.headers["set-cookie"]


def test_login_link_is_single_use_and_get_does_not_spend_it(healer):
    d = web_daemon(healer)
    url = login_link(d, "alice@example.com")
    path = link_path(url)
    # a mail scanner's GETs do not spend it
    assert get(d, path).status == 200
    f = form_fields(get(d, path).text)
    assert post(d, "/ui/login/link", f).status == 303
    r = post(d, "/ui/login/link", f)
    assert r.status == 400 and "already used" in r.text
    # a link without its CSRF token does nothing
    url = login_link(d, "alice@example.com")
    f = form_fields(get(d, link_path(url)).text)
    del f["csrf"]
    r = post(d, "/ui/login/link", f)
    assert r.status == 403 and "set-cookie" not in r.headers
    # an altered token is not valid
    f = form_fields(get(d, path).text)
    f["t"] = f["t"][:-2] + ("AA" if not f["t"].endswith("AA") else "BB")
    assert post(d, "/ui/login/link", f).status == 400


def test_unknown_address_gets_the_same_answer(healer):
    d = web_daemon(healer)
    known = post(d, "/ui/login", {"email": "alice@example.com"})
    unknown = post(d, "/ui/login", {"email": "mallory@example.com"})
    assert known.status == unknown.status == 200
    norm = lambda r, a: r.text.replace(a, "ADDR")
    assert norm(known, "alice@example.com") == norm(unknown, "mallory@example.com")
    assert "a sign-in link is on its way" in known.text
    bad = post(d, "/ui/login", {"email": "not an address"})
    assert bad.status == 400


def test_login_requests_are_rate_limited_per_address_and_peer(healer):
    d = web_daemon(healer)
    for _ in range(3):
        assert post(d, "/ui/login", {"email": "nobody@example.com"}).status == 200
    r = post(d, "/ui/login", {"email": "nobody@example.com"})
    assert r.status == 429 and "Too many" in r.text
    # per peer: 10 in the window whatever the address
    codes = [post(d, "/ui/login", {"email": "u%d@example.com" % i}).status for i in range(8)]
    assert 429 in codes


def test_titles_and_labels_are_escaped(healer):
    d = web_daemon(healer)
    evil = "<script>alert(1)</script>"
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning",
                                         "team": "\"><img src=x onerror=alert(2)>"},
                     annotations={"summary": evil}))
    d.wait_state("INC-1", "awaiting_approval")
    cookie = sign_in(d)
    for path in ("/ui/", "/ui/incidents/1", "/ui/dashboard?window=7d"):
        r = get(d, path, cookie)
        assert r.status == 200, (path, r)
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, path
    # shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in get(d, "/ui/", cookie).text
    page = get(d, "/ui/incidents/1", cookie).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "onerror" not in page.replace("onerror=alert(2)&gt;", "")


def test_actions_need_csrf_and_get_never_acts(healer):
    d = web_daemon(healer)
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    cookie = sign_in(d)
    page = get(d, "/ui/incidents/1", cookie)
    assert page.status == 200 and 'id="approve"' in page.text
    # GET on the action's address: 405, nothing happens
    assert get(d, "/ui/incidents/1/approve", cookie).status == 405
    # POST without a session
    f = form_fields(page.text)
    assert post(d, "/ui/incidents/1/approve", f).status == 403
    # POST without the CSRF token: refused, audited, nothing happens
    nocsrf = dict(f)
    del nocsrf["csrf"]
    r = post(d, "/ui/incidents/1/approve", nocsrf, cookie)
    assert r.status == 403 and "security token" in r.text
    assert d.view("INC-1")["state"] == "awaiting_approval"
    assert any(a["kind"] == "web.refused" and a["actor"] == "email:alice@example.com"
               for a in d.audit())
    # another session's token is not this one's
    other = sign_in(d, "eve@example.com")
    of = form_fields(get(d, "/ui/incidents/1", other).text)
    f2 = dict(f)
    f2["csrf"] = of["csrf"]
    assert post(d, "/ui/incidents/1/approve", f2, cookie).status == 403
    # with it: approved, runs, resolves
    r = post(d, "/ui/incidents/1/approve", f, cookie)
    assert r.status == 303 and r.headers["location"] == "/ui/incidents/1"
    v = d.wait_state("INC-1", "resolved")
    assert ("email:alice@example.com", "approve") in [(a["user"], a["decision"])
                                                     for a in v["approvals"]]


def test_policy_refusal_is_shown_and_audited(healer):
    d = web_daemon(healer)
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    # bob signs in (a link is just a signature) but has no role in the policy
    cookie = sign_in(d, "bob@example.com")
    f = form_fields(get(d, "/ui/incidents/1", cookie).text)
    r = post(d, "/ui/incidents/1/approve", f, cookie)
    assert r.status == 409 and "refused" in r.text
    assert d.view("INC-1")["state"] == "awaiting_approval"
    assert any(a["kind"] == "approval.refused" and a["actor"] == "email:bob@example.com"
               for a in d.audit())


def test_reject_with_reason_and_stale_page(healer):
    d = web_daemon(healer)
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    cookie = sign_in(d)
    f = form_fields(get(d, "/ui/incidents/1", cookie).text)
    r = post(d, "/ui/incidents/1/reject", dict(f, reason=""), cookie)
    assert r.status == 400 and "needs a reason" in r.text
    r = post(d, "/ui/incidents/1/reject", dict(f, reason="not now <b>"), cookie)
    assert r.status == 303
    v = d.wait_state("INC-1", "rejected")
    assert v["approvals"][0]["reason"] == "not now <b>"
    # the same (now stale) page's approve loses
    r = post(d, "/ui/incidents/1/approve", f, cookie)
    assert r.status == 409


def test_sign_out_ends_the_session_everywhere(healer):
    d = web_daemon(healer)
    cookie = sign_in(d)
    page = get(d, "/ui/", cookie)
    csrf = form_fields(page.text)["csrf"]
    r = post(d, "/ui/logout", {"csrf": csrf}, cookie)
    assert r.status == 303 and "Max-Age=0" in r.headers["set-cookie"]
    # a copy of the old cookie no longer works
    r = get(d, "/ui/", cookie)
    assert r.status == 303 and r.headers["location"] == "/ui/login"


def test_list_filters_and_pages(healer):
    d = web_daemon(healer)
    for i in range(55):
        d.alert(am_alert("Other%d" % i, labels={"severity": "critical" if i % 2 else "info"}))
    d.wait_for(lambda: len(d.incidents()) == 55, "55 incidents")
    cookie = sign_in(d)
    r = get(d, "/ui/?state=all", cookie)
    assert r.status == 200
    assert r.text.count("<tr><td>") == 50 and "<span>1–50</span>" in r.text
    assert 'rel="next"' in r.text
    r = get(d, "/ui/?state=all&offset=50", cookie)
    assert r.text.count("<tr><td>") == 5 and 'rel="next"' not in r.text and 'rel="prev"' in r.text
    r = get(d, "/ui/?state=all&severity=sev1", cookie)
    sevs = set(re.findall(r'class="sev sev-(\w+)"', r.text))
    assert sevs == {"sev1"}, sevs
    assert get(d, "/ui/?state=all';--", cookie).status == 400
    assert get(d, "/ui/dashboard?window=1y", cookie).status == 400


def test_dashboard_shows_the_figures(healer):
    d = web_daemon(healer)
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    cookie = sign_in(d)
    r = get(d, "/ui/dashboard", cookie)
    assert r.status == 200
    assert r.text.count("<svg") >= 6
    assert re.search(r'id="fig-incidents">incidents<b>1</b>', r.text)
    assert "alertmanager" in r.text and "WebDown" in r.text


def test_proxy_header_only_from_trusted_peers(healer):
    d = web_daemon(healer, HEALER_AUTH_PROXY_HEADER="X-Forwarded-Email",
                   HEALER_AUTH_PROXY_FROM="127.0.0.1")
    r = get(d, "/ui/", headers={"X-Forwarded-Email": "alice@example.com"})
    assert r.status == 200 and "alice@example.com" in r.text
    d2 = web_daemon(healer, HEALER_AUTH_PROXY_HEADER="X-Forwarded-Email",
                    HEALER_AUTH_PROXY_FROM="10.0.0.1")
    r = get(d2, "/ui/", headers={"X-Forwarded-Email": "alice@example.com"})
    assert r.status == 303 and r.headers["location"] == "/ui/login"

"""The web UI over plain HTTP: sign-in links (single use, same answer for unknown
addresses, rate limits), sessions (missing, forged, signed out), the security headers,
pages escaping what they show, actions needing the session, the CSRF token and the policy
(refusals shown and audited), GETs that never act, and the trusted proxy header."""
import base64
import hashlib
import hmac
import http.client
import re
import time
import urllib.parse

from conftest import am_alert
from webui import (LINK_KEY, form_fields, get, link_form, link_path, login_form, login_link,
                   post, post_login, sign_in, web_daemon)


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
    assert r.status == 303 and r.headers["location"] == "/ui/login?next=/ui/dashboard"
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
    f, pre = link_form(d, path)
    assert "HttpOnly" in pre_sc(d, path) and "SameSite=Strict" in pre_sc(d, path)
    r = post(d, "/ui/login/link", f, pre)
    assert r.status == 303
    sc = r.headers["set-cookie"]
    assert "HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/" in sc
    assert "Secure" not in sc  # loopback http only
    d2 = web_daemon(healer, HEALER_PUBLIC_URL="https://healer.example.com")
    url = login_link(d2, "alice@example.com")
    assert url.startswith("https://healer.example.com/ui/login/link?t=")
    f, pre = link_form(d2, url.split("example.com", 1)[1])
    r = post(d2, "/ui/login/link", f, pre)
    assert "Secure" in r.headers["set-cookie"]
    # served as https: browsers are told to stay on it; plain http loopback is not
    assert get(d2, "/ui/login").headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in get(d, "/ui/login").headers


def pre_sc(d, path):
    """The whole Set-Cookie of the pre-session a page sets."""
    return get(d, path).headers["set-cookie"]


def test_login_link_is_single_use_and_get_does_not_spend_it(healer):
    d = web_daemon(healer)
    url = login_link(d, "alice@example.com")
    path = link_path(url)
    # a mail scanner's GETs do not spend it
    assert get(d, path).status == 200
    f, pre = link_form(d, path)
    assert post(d, "/ui/login/link", f, pre).status == 303
    r = post(d, "/ui/login/link", f, pre)
    assert r.status == 400 and "already used" in r.text
    # a link without its CSRF token does nothing
    url = login_link(d, "alice@example.com")
    f, pre = link_form(d, link_path(url))
    del f["csrf"]
    r = post(d, "/ui/login/link", f, pre)
    assert r.status == 403 and "set-cookie" not in r.headers
    # an altered token is not valid
    f, pre = link_form(d, path)
    f["t"] = f["t"][:-2] + ("AA" if not f["t"].endswith("AA") else "BB")
    assert post(d, "/ui/login/link", f, pre).status == 400


def test_unknown_address_gets_the_same_answer(healer):
    d = web_daemon(healer)
    _, pre = login_form(d)
    known = post_login(d, "alice@example.com", pre)
    unknown = post_login(d, "mallory@example.com", pre)
    assert known.status == unknown.status == 200
    norm = lambda r, a: r.text.replace(a, "ADDR")
    assert norm(known, "alice@example.com") == norm(unknown, "mallory@example.com")
    assert "a sign-in link is on its way" in known.text
    bad = post_login(d, "not an address", pre)
    assert bad.status == 400


def post_login_from(d, source, address):
    """The sign-in form posted from another client address (127.0.0.0/8 is all loopback)."""
    f, pre = login_form(d)
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=15, source_address=(source, 0))
    try:
        c.request("POST", "/ui/login", urllib.parse.urlencode(dict(f, email=address)),
                  {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def test_someone_who_knows_an_address_cannot_lock_its_owner_out(healer):
    d = web_daemon(healer)
    # another client asks for alice's link over and over: its own limit stops it
    for _ in range(10):
        assert post_login_from(d, "127.0.0.2", "alice@example.com")[0] == 200
    st, text = post_login_from(d, "127.0.0.2", "alice@example.com")
    assert st == 429 and "from this computer" in text, text
    assert re.search(r"Try again in (9|10) minutes\.", text), text
    # alice, from her own computer, still gets her link
    st, text = post_login_from(d, "127.0.0.1", "alice@example.com")
    assert st == 200 and "a sign-in link is on its way" in text, text
    # the address's own ceiling is three clients' worth, the same for any address
    for n, addr in enumerate(("alice@example.com", "nobody@example.com")):
        for src in range(3):
            for _ in range(10):
                post_login_from(d, "127.0.%d.%d" % (n + 1, src + 1), addr)
        st, text = post_login_from(d, "127.0.%d.9" % (n + 1), addr)
        assert st == 429 and "for this address" in text, text
        assert re.search(r"Try again in (9|10) minutes\.", text), text
        assert addr not in text
        # the address's limit holds that address only
        assert post_login_from(d, "127.0.%d.9" % (n + 1), "other@example.com")[0] == 200


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


def awaiting_and_signed_in(healer):
    """A daemon with INC-1 awaiting approval, alice's session cookie and the incident page's
    form fields."""
    d = web_daemon(healer)
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    cookie = sign_in(d)
    return d, cookie, form_fields(get(d, "/ui/incidents/1", cookie).text)


def test_reject_with_reason_and_stale_page(healer):
    d, cookie, f = awaiting_and_signed_in(healer)
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


def test_sign_in_form_refuses_posts_from_elsewhere(healer):
    d = web_daemon(healer)
    origin = "http://127.0.0.1:%d" % d.port
    # another site's page posting the address form: no token, no pre-session cookie
    r = post(d, "/ui/login", {"email": "alice@example.com"})
    assert r.status == 403 and "security token" in r.text
    assert "a sign-in link is on its way" not in r.text
    # the form's token without the cookie it is bound to (a page that copied the form)
    f, pre = login_form(d)
    r = post(d, "/ui/login", dict(f, email="alice@example.com"))
    assert r.status == 403
    # another browser's cookie with this form's token
    _, other = login_form(d)
    assert other != pre
    assert post(d, "/ui/login", dict(f, email="alice@example.com"), other).status == 403
    # token and cookie, but the browser says the post came from another site
    for h in ({"Origin": "https://evil.example"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
              {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
              {"Origin": origin + ".evil.example"}):
        r = post(d, "/ui/login", dict(f, email="alice@example.com"), pre, headers=h)
        assert r.status == 403 and "another site" in r.text, h
    # none of that made a link (or would have mailed one)
    assert "sign-in link for alice@example.com" not in d.log_tail(400)
    # the real form, posted from healer's own page
    r = post(d, "/ui/login", dict(f, email="alice@example.com"), pre,
             headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
    assert r.status == 200 and "a sign-in link is on its way" in r.text
    d.wait_for(lambda: "sign-in link for alice@example.com" in d.log_tail(400), "the link")


def test_a_link_posted_from_another_browser_signs_no_one_in(healer):
    """Login CSRF: an attacker opens their own link, then has the victim's browser post its
    form; the victim must not end up signed in as the attacker."""
    d = web_daemon(healer)
    path = link_path(login_link(d, "eve@example.com"))
    f, _attacker = link_form(d, path)
    # the victim's browser has no pre-session, or its own from visiting the sign-in page
    _, victim = login_form(d)
    for cookie in (None, victim):
        r = post(d, "/ui/login/link", f, cookie)
        assert r.status == 403 and "set-cookie" not in r.headers, cookie
        assert "another site" in r.text
    # cross-origin post of a complete form: refused before the link is looked at
    f, pre = link_form(d, path)
    r = post(d, "/ui/login/link", f, pre, headers={"Origin": "https://evil.example"})
    assert r.status == 403 and "set-cookie" not in r.headers
    assert not any(a["kind"] == "web.login" for a in d.audit())
    # the link is still unspent: its owner can use it
    assert post(d, "/ui/login/link", f, pre).status == 303


def test_cross_site_posts_of_actions_and_sign_out_are_refused(healer):
    d, cookie, f = awaiting_and_signed_in(healer)
    r = post(d, "/ui/incidents/1/approve", f, cookie, headers={"Origin": "https://evil.example"})
    assert r.status == 403 and "another site" in r.text
    r = post(d, "/ui/logout", {"csrf": f["csrf"]}, cookie,
             headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    assert d.view("INC-1")["state"] == "awaiting_approval"
    assert get(d, "/ui/", cookie).status == 200


def test_login_link_prints_a_usable_address_or_says_why_not(healer):
    def cli(**env):
        d = web_daemon(healer, start=False, **env)
        return d.cli("login-link", "alice@example.com", check=False)

    # port 0 and no running daemon: no port can be known
    for listen in ("127.0.0.1:0", "0.0.0.0:0"):
        p = cli(HEALER_LISTEN=listen)
        assert p.returncode == 1 and p.stdout == "", (listen, p)
        assert "HEALER_PUBLIC_URL" in p.stderr and "port 0" in p.stderr, p.stderr
    # every address: the link works from this machine, and says so
    p = cli(HEALER_LISTEN="0.0.0.0:8080")
    assert p.returncode == 0, p
    assert p.stdout.startswith("http://127.0.0.1:8080/ui/login/link?t=v1."), p.stdout
    assert "this machine only" in p.stderr and "HEALER_PUBLIC_URL" in p.stderr
    p = cli(HEALER_LISTEN="[::]:8080")
    assert p.stdout.startswith("http://127.0.0.1:8080/ui/login/link?t=v1."), p.stdout
    # a named host: as configured
    p = cli(HEALER_LISTEN="healer.internal:8443")
    assert p.stdout.startswith("http://healer.internal:8443/ui/login/link?t=v1."), p.stdout
    assert p.stderr.count("HEALER_PUBLIC_URL") == 0
    # the public address wins, without a doubled slash
    p = cli(HEALER_LISTEN="0.0.0.0:0", HEALER_PUBLIC_URL="https://healer.example.com/")
    assert p.returncode == 0
    assert p.stdout.startswith("https://healer.example.com/ui/login/link?t=v1."), p.stdout
    # a running daemon that asked for any port: the port it got, and the link signs in
    d = web_daemon(healer)
    url = d.cli("login-link", "alice@example.com").stdout.strip()
    assert url.startswith("http://127.0.0.1:%d/ui/login/link?t=v1." % d.port), url
    f, pre = link_form(d, link_path(url))
    assert post(d, "/ui/login/link", f, pre).status == 303


def test_head_answers_like_get_without_a_body(healer):
    d = web_daemon(healer)
    path = link_path(login_link(d, "alice@example.com"))
    cookie = sign_in(d)
    for p, c in (("/ui/login", None), (path, None), ("/ui/", cookie), ("/ui/dashboard", cookie),
                 ("/ui/static/ui.css", None)):
        g = get(d, p, c)
        h = d.request("HEAD", p, token=None, headers={"Cookie": c} if c else None)
        assert h.status == g.status == 200, (p, h.status, g.status)
        assert h.text == "", p
        assert h.headers.get("content-type") == g.headers.get("content-type"), p
    # a HEAD never spends the link
    f, pre = link_form(d, path)
    assert post(d, "/ui/login/link", f, pre).status == 303


def test_a_link_posted_many_times_at_once_signs_in_once(healer):
    import threading
    d = web_daemon(healer)
    f, pre = link_form(d, link_path(login_link(d, "alice@example.com")))
    codes, cookies = [], []
    lock = threading.Lock()

    def spend():
        r = post(d, "/ui/login/link", f, pre)
        with lock:
            codes.append(r.status)
            if "set-cookie" in r.headers:
                cookies.append(r.headers["set-cookie"])

    ts = [threading.Thread(target=spend) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(codes) == [303] + [400] * 7, codes
    assert len(cookies) == 1
    assert [a["kind"] for a in d.audit()].count("web.login") == 1


def test_sign_in_returns_only_to_pages_of_ours(healer):
    d = web_daemon(healer)
    r = get(d, "/ui/incidents/7")
    assert r.status == 303 and r.headers["location"] == "/ui/login?next=/ui/incidents/7"
    f, pre = login_form(d)
    r = get(d, "/ui/login?next=/ui/incidents/7", pre)
    assert form_fields(r.text)["next"] == "/ui/incidents/7"
    for i, bad in enumerate(("//evil.example", "https://evil.example", "/\\evil.example", "/ui//evil.example",
                "/ui/../../x", "/ui/x?y=1", "javascript:alert(1)", "/ui/" + "a" * 200,
                "/other")):
        r = get(d, "/ui/login?" + urllib.parse.urlencode({"next": bad}), pre)
        assert r.status == 200 and form_fields(r.text)["next"] == "", bad
        assert "evil" not in r.text, bad
        # posted: the form is answered, the bad value dropped
        r = post(d, "/ui/login", dict(f, email="u%d@example.com" % i, next=bad), pre)
        assert r.status == 200 and form_fields(r.text)["next"] == "", bad


def test_sign_in_page_says_when_links_are_not_set_up(healer):
    from webui import POLICY
    d = healer(policy=POLICY, user="root")  # no HEALER_LINK_KEY
    r = get(d, "/ui/login")
    assert r.status == 503 and "HEALER_LINK_KEY" in r.text
    assert 'id="email"' not in r.text and "set-cookie" not in r.headers


def csrf_for(binding):
    """token_csrf: HMAC-SHA256 of the binding under HEALER_LINK_KEY, base64url."""
    mac = hmac.new(LINK_KEY.encode(), b"healer-csrf-v1\ncsrf\n" + binding.encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def test_proxy_users_csrf_token_rotates(healer):
    d = web_daemon(healer, HEALER_AUTH_PROXY_HEADER="X-Forwarded-Email",
                   HEALER_AUTH_PROXY_FROM="127.0.0.1")
    d.alert(web_down())
    d.wait_state("INC-1", "awaiting_approval")
    who = {"X-Forwarded-Email": "alice@example.com"}
    f = form_fields(get(d, "/ui/incidents/1", headers=who).text)
    # a token bound to the user alone would work for ever once leaked
    forever = csrf_for("proxy:email:alice@example.com")
    assert f["csrf"] != forever
    window = 4 * 3600 * 1000
    w = int(time.time() * 1000) // window
    old = csrf_for("proxy:email:alice@example.com:%d" % (w - 2))
    for stale in (forever, old):
        r = post(d, "/ui/incidents/1/approve", dict(f, csrf=stale), headers=who)
        assert r.status == 403 and "security token" in r.text, r
    assert d.view("INC-1")["state"] == "awaiting_approval"
    # the page's own token (this window's, or the last one's) works
    r = post(d, "/ui/incidents/1/approve", f, headers=who)
    assert r.status == 303, r
    d.wait_state("INC-1", "resolved")


def test_https_cookies_carry_the_host_prefix_and_only_that_name_counts(healer):
    d = web_daemon(healer, HEALER_PUBLIC_URL="https://healer.example.com")
    path = link_path(login_link(d, "alice@example.com"))
    r = get(d, path)
    pre_sc = r.headers["set-cookie"]
    assert pre_sc.startswith("__Host-healer_signin=") and "; Secure" in pre_sc
    assert "Path=/;" in pre_sc and "domain" not in pre_sc.lower()
    f, pre = form_fields(r.text), pre_sc.split(";")[0]
    # the pre-session under its plain name is not read: the form is refused
    plain_pre = pre.replace("__Host-", "", 1)
    assert post(d, "/ui/login/link", f, plain_pre).status == 403
    r = post(d, "/ui/login/link", f, pre)
    assert r.status == 303, r
    sc = r.headers["set-cookie"]
    assert sc.startswith("__Host-healer_session=") and "; Secure" in sc
    assert "Path=/;" in sc and "domain" not in sc.lower()
    cookie = sc.split(";")[0]
    assert get(d, "/ui/", cookie).status == 200
    # the same session under the plain name (what a sibling subdomain could set) is no one
    r = get(d, "/ui/", cookie.replace("__Host-", "", 1))
    assert r.status == 303 and r.headers["location"] == "/ui/login"
    # on plain http the prefix cannot be used, and a prefixed cookie is not read there
    d2 = web_daemon(healer)
    plain = sign_in(d2)
    assert get(d2, "/ui/", plain).status == 200
    assert get(d2, "/ui/", "__Host-" + plain).status == 303

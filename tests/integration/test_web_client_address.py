"""The web UI behind a reverse proxy: the client address comes from X-Forwarded-For or
Forwarded only when the TCP peer is a listed trusted proxy, so users behind the proxy each
get their own sign-in allowance and no client can name its own address."""
import http.client
import urllib.parse

from webui import link_form, link_path, login_form, login_link, web_daemon

PROXY = "127.0.0.2"  # the "reverse proxy": a loopback address of its own


def post_from(d, source, path, fields, cookie, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=15, source_address=(source, 0))
    h = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    h.update(headers or {})
    try:
        c.request("POST", path, urllib.parse.urlencode(fields), h)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def sign_in_request(d, source, headers, address="alice@example.com"):
    f, pre = login_form(d)
    return post_from(d, source, "/ui/login", dict(f, email=address), pre, headers)


def test_clients_behind_a_trusted_proxy_each_get_their_own_allowance(healer):
    d = web_daemon(healer, HEALER_TRUSTED_PROXIES="10.0.0.0/8, %s, ::1" % PROXY)
    one = {"X-Forwarded-For": "203.0.113.1"}
    for _ in range(10):
        assert sign_in_request(d, PROXY, one)[0] == 200
    st, text = sign_in_request(d, PROXY, one)
    assert st == 429 and "from this computer" in text, text
    # another user behind the same proxy still signs in
    st, text = sign_in_request(d, PROXY, {"X-Forwarded-For": "203.0.113.2"})
    assert st == 200 and "a sign-in link is on its way" in text, text
    # the right-most entry the proxy added counts, not what the client put on the left
    st, _ = sign_in_request(d, PROXY, {"X-Forwarded-For": "203.0.113.1, 203.0.113.3"})
    assert st == 200
    st, _ = sign_in_request(d, PROXY, {"X-Forwarded-For": "203.0.113.9, 203.0.113.1"})
    assert st == 429
    # and further trusted proxies in the chain are skipped
    st, _ = sign_in_request(d, PROXY, {"X-Forwarded-For": "203.0.113.1, 10.1.2.3"})
    assert st == 429
    # Forwarded (RFC 7239) works the same way; IPv6 too
    st, _ = sign_in_request(d, PROXY, {"Forwarded": 'for="[2001:db8::7]:4711";proto=https'})
    assert st == 200
    st, _ = sign_in_request(d, PROXY, {"Forwarded": "for=203.0.113.1"})
    assert st == 429
    # a malformed header: the proxy itself is the client (it has no requests counted yet)
    st, _ = sign_in_request(d, PROXY, {"X-Forwarded-For": "garbage"})
    assert st == 200


def test_forwarding_headers_from_an_untrusted_peer_are_ignored(healer):
    d = web_daemon(healer, HEALER_TRUSTED_PROXIES=PROXY)
    # a client that is not the proxy names a new address each time: all count as its own
    for i in range(5):
        assert sign_in_request(d, "127.0.0.3", {"X-Forwarded-For": "198.51.100.%d" % i})[0] == 200
    for i in range(5):
        assert sign_in_request(d, "127.0.0.3", {"Forwarded": "for=198.51.100.%d" % i})[0] == 200
    st, text = sign_in_request(d, "127.0.0.3", {"X-Forwarded-For": "198.51.100.99"})
    assert st == 429 and "from this computer" in text, text
    # and the addresses it named were not charged: from the proxy they are fresh
    st, _ = sign_in_request(d, PROXY, {"X-Forwarded-For": "198.51.100.1"})
    assert st == 200


def test_without_trusted_proxies_the_headers_count_for_nothing(healer):
    d = web_daemon(healer)
    for i in range(10):
        assert sign_in_request(d, PROXY, {"X-Forwarded-For": "198.51.100.%d" % i})[0] == 200
    assert sign_in_request(d, PROXY, {"X-Forwarded-For": "198.51.100.77"})[0] == 429


def test_sign_in_audit_names_the_client_and_the_proxy(healer):
    d = web_daemon(healer, HEALER_TRUSTED_PROXIES=PROXY)
    f, pre = link_form(d, link_path(login_link(d, "alice@example.com")))
    st, _ = post_from(d, PROXY, "/ui/login/link", f, pre, {"X-Forwarded-For": "203.0.113.5"})
    assert st == 303
    rows = [a for a in d.audit() if a["kind"] == "web.login"]
    assert len(rows) == 1
    assert "from 203.0.113.5 through the proxy 127.0.0.2" in str(rows[0]), rows[0]


def test_check_config_refuses_a_bad_proxy_list(healer):
    d = web_daemon(healer, HEALER_TRUSTED_PROXIES=PROXY)
    d.env_extra["HEALER_TRUSTED_PROXIES"] = "10.0.0.0/8, proxy.example"
    r = d.cli("check-config", check=False)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "HEALER_TRUSTED_PROXIES" in out and '"proxy.example" is not an IPv4 or IPv6' in out, out


def test_an_overlong_forwarding_chain_is_refused_not_skipped(healer):
    # were it dropped, the Forwarded header the client also sent would be read in its place
    d = web_daemon(healer, HEALER_TRUSTED_PROXIES=PROXY)
    chain = ", ".join("198.51.100.%d" % (i % 250) for i in range(1200)) + ", 203.0.113.1"
    st, text = sign_in_request(d, PROXY, {"X-Forwarded-For": chain,
                                          "Forwarded": "for=198.51.100.200"})
    assert st == 431, (st, text[:200])

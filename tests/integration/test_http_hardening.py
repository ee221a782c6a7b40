"""The HTTP door under hostile or unusual input: pipelined and back-to-back requests, message
framing (RFC 9112), oversized headers and HEAD. Each case reads exactly what comes back on a raw
socket, then proves the daemon still answers /healthz promptly."""
import json
import re
import socket
import time

import pytest

from conftest import TOKEN, am_alert, am_payload

GOOD = json.dumps(am_payload(am_alert("ServiceDown", labels={"service": "api"}))).encode()


@pytest.fixture
def d(healer):
    return healer()


def read_all(s, timeout=3.0):
    """Everything the server sends until it closes or goes quiet for `timeout`."""
    s.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


def exchange(port, raw, timeout=3.0):
    """Sends raw bytes in one write; returns (bytes received, closed by the server)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(raw)
        return read_all(s, timeout)
    finally:
        s.close()


def responses(data):
    """Splits a byte stream into (status, headers dict, body) by Content-Length."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, "truncated response: %r" % data[:200]
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        assert len(rest) >= n, "truncated body"
        out.append((status, hdrs, rest[:n]))
        data = rest[n:]
    return out


def healthz_fast(port, limit_s=1.0):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=limit_s)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, _ = read_all(s, limit_s)
    finally:
        s.close()
    took = time.monotonic() - t0
    assert data.startswith(b"HTTP/1.1 200"), "healthz did not answer within %.1f s: %r" % (
        limit_s, data[:100])
    assert took < limit_s, took


POST_EMPTY_JSON = b"POST /alerts/generic HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"


@pytest.mark.parametrize("raw", [
    b"GET /healthz HTTP/1.1\r\n\r\n" + POST_EMPTY_JSON,
    POST_EMPTY_JSON + POST_EMPTY_JSON,
], ids=["get-then-post", "post-then-post"])
def test_pipelined_body_does_not_hang_the_loop(d, raw):
    data, closed = exchange(d.port, raw)
    healthz_fast(d.port)
    got = responses(data)
    assert got, "no answer at all"
    assert closed, "connection left open after pipelined bytes behind a body"
    if raw.startswith(b"GET"):
        assert got[0][0] == 200
        # the POST parsed out of lws's buffer is refused: its body cannot be trusted
        assert got[1][0] == 400 and b"pipelined" in got[1][2], got
    else:
        # the first POST is answered (no token: 401) and the connection ends there
        assert got[0][0] == 401 and got[0][1].get("connection") == "close", got
    assert d.incidents() == []


def test_pipelined_posts_with_token_store_at_most_the_first(d):
    one = (b"POST /alerts/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
           + TOKEN.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
           + str(len(GOOD)).encode() + b"\r\n\r\n" + GOOD)
    data, closed = exchange(d.port, one + one + one)
    healthz_fast(d.port)
    got = responses(data)
    assert closed and len(got) == 1 and got[0][0] == 202, got
    assert len(d.incidents()) == 1


def test_pipelined_gets_are_all_answered(d):
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 3
    data, _ = exchange(d.port, raw, timeout=1.0)
    assert [g[0] for g in responses(data)] == [200, 200, 200]
    healthz_fast(d.port)


def test_keep_alive_posts_still_share_a_connection(d):
    """Ordinary clients (one request at a time) keep their connection."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        for _ in range(5):
            s.sendall(b"POST /alerts/generic HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            data = b""
            while not responses_or_none(data):
                chunk = s.recv(65536)
                assert chunk, "server closed a keep-alive connection"
                data += chunk
            (status, hdrs, _), = responses(data)
            assert status == 401 and hdrs.get("connection") != "close", (status, hdrs)
    finally:
        s.close()


def responses_or_none(data):
    try:
        return responses(data)
    except (AssertionError, ValueError, IndexError):
        return []


# ---------------------------------------------------------------- framing

def post_raw(d, extra_headers, body=GOOD):
    head = ("POST /alerts/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\n%s\r\n" % (TOKEN, extra_headers)).encode()
    data, closed = exchange(d.port, head + body)
    return responses(data), closed


def test_two_different_content_lengths_400(d):
    got, closed = post_raw(d, "Content-Length: %d\r\nContent-Length: 5\r\n" % len(GOOD))
    assert got[0][0] == 400 and b"Content-Length" in got[0][2], got
    assert json.loads(got[0][2])["error"]
    assert closed
    assert d.incidents() == []
    healthz_fast(d.port)


def test_content_length_list_with_different_values_400(d):
    got, closed = post_raw(d, "Content-Length: %d, 5\r\n" % len(GOOD))
    assert got[0][0] == 400 and closed, got
    assert d.incidents() == []


def test_content_length_with_transfer_encoding_400(d):
    got, closed = post_raw(d, "Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(GOOD))
    assert got[0][0] == 400, got
    assert b"Transfer-Encoding" in got[0][2], got
    assert closed
    assert d.incidents() == []
    healthz_fast(d.port)


def test_same_content_length_twice_is_accepted(d):
    got, _ = post_raw(d, "Content-Length: %d\r\nContent-Length: %d\r\n" % (len(GOOD), len(GOOD)))
    assert got[0][0] == 202, got
    assert len(d.incidents()) == 1


# ---------------------------------------------------------------- header size

@pytest.mark.parametrize("name", ["Cookie", "Authorization", "X-Padding"])
def test_headers_over_16k_get_431(d, name):
    raw = ("GET /healthz HTTP/1.1\r\nHost: x\r\n%s: %s\r\n\r\n" % (name, "a" * 17000)).encode()
    data, closed = exchange(d.port, raw)
    got = responses(data)
    assert got and got[0][0] == 431, data[:200]
    assert "16384" in json.loads(got[0][2])["error"]
    assert closed
    healthz_fast(d.port)


def test_headers_under_16k_are_fine(d):
    raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 15000 + b"\r\n\r\n"
    data, _ = exchange(d.port, raw, timeout=1.0)
    assert responses(data)[0][0] == 200


# ---------------------------------------------------------------- HEAD

@pytest.mark.parametrize("path,status", [("/healthz", 200), ("/metrics", 200),
                                         ("/alerts/generic", 405), ("/nope", 404)])
def test_head_has_no_body_and_connection_stays_usable(d, path, status):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        s.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
        s.settimeout(1.0)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        # nothing may follow the headers, whatever Content-Length says
        try:
            rest += s.recv(65536)
        except socket.timeout:
            pass
        assert rest == b"", rest
        assert head.startswith(b"HTTP/1.1 %d" % status), head
        if status == 405:
            assert re.search(rb"(?im)^allow: *POST", head), head
        # the next request on the same connection parses cleanly
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        s.settimeout(5.0)
        while not responses_or_none(data):
            chunk = s.recv(65536)
            assert chunk, "closed after HEAD"
            data += chunk
        assert responses(data)[0][:1] == (200,)
        assert responses(data)[0][2] == b'{"status":"ok"}'
    finally:
        s.close()

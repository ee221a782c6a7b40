"""Connection caps and idle timeouts: a peer holding many idle sockets is refused at accept,
others (and /healthz) are still served, and silent connections are closed."""
import socket
import time

import pytest


def connect(port, source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_server(s, within=5.0):
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def healthz(port, source="127.0.0.1"):
    s = connect(port, source)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:  # refused at accept
                return data
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def wait(pred, desc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    pytest.fail("timed out waiting for " + desc)


def test_per_peer_cap(healer):
    d = healer(HEALER_HTTP_MAX_CONNS_PER_PEER="4")
    held = [connect(d.port) for _ in range(4)]
    try:
        # let the daemon accept the four before the fifth arrives
        wait(lambda: b"200 OK" in healthz(d.port, "127.0.0.2"), "healthz from another peer")
        extra = connect(d.port)
        assert closed_by_server(extra), "fifth connection from one peer was not refused"
        extra.close()
        # another address is still served while this one is at its cap
        assert healthz(d.port, "127.0.0.2").startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
    # the peer's slots come back once its connections close
    wait(lambda: healthz(d.port).startswith(b"HTTP/1.1 200"), "healthz after closing")
    metrics = d.get("/metrics").text
    assert 'healer_http_connections_refused_total{reason="per_peer"}' in metrics, metrics


def test_total_cap(healer):
    d = healer(HEALER_HTTP_MAX_CONNS="3", HEALER_HTTP_MAX_CONNS_PER_PEER="100")
    held = [connect(d.port, "127.0.0.%d" % (i + 2)) for i in range(3)]
    try:
        time.sleep(0.3)  # accepted by now on any machine; the assert below has no clock
        extra = connect(d.port, "127.0.0.9")
        assert closed_by_server(extra), "connection over the total cap was not refused"
        extra.close()
    finally:
        for s in held:
            s.close()
    wait(lambda: healthz(d.port).startswith(b"HTTP/1.1 200"), "healthz after closing")


def test_silent_connection_is_closed(healer):
    d = healer(HEALER_HTTP_IDLE_S="1")
    s = connect(d.port)
    try:
        assert closed_by_server(s, within=15.0), "an idle connection was kept open"
    finally:
        s.close()


def test_idle_keep_alive_connection_is_closed(healer):
    d = healer(HEALER_HTTP_IDLE_S="1")
    s = connect(d.port)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b'{"status":"ok"}' not in data:
            data += s.recv(65536)
        assert closed_by_server(s, within=15.0), "an idle keep-alive connection was kept"
    finally:
        s.close()

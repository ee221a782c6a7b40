"""Bad input at the HTTP door: every case is answered with the right status and a JSON error
saying what was wrong, and nothing is stored."""
import json

import pytest

from conftest import TOKEN, am_alert, am_payload, raw_request

GOOD = am_payload(am_alert("ServiceDown", labels={"service": "api", "severity": "warning"}))


def assert_error(r, status, *words):
    assert r.status == status, r
    assert r.json is not None and isinstance(r.json.get("error"), str) and r.json["error"], r
    for w in words:
        assert w in r.json["error"], (w, r.json)


def assert_nothing_stored(d):
    assert d.incidents() == []
    assert d.get("/healthz").status == 200  # and the daemon is still up


@pytest.fixture
def d(healer):
    return healer()


def test_missing_token(d):
    assert_error(d.post("/alerts/alertmanager", GOOD, token=None), 401)
    assert_error(d.post("/alerts/generic", {"title": "x"}, token=None), 401)
    assert_error(d.post("/alerts/eventbridge", {"detail": {}}, token=None), 401)
    assert_nothing_stored(d)


def test_wrong_token(d):
    assert_error(d.post("/alerts/alertmanager", GOOD, token=TOKEN + "x"), 401)
    assert_error(d.post("/alerts/alertmanager", GOOD, token=TOKEN[:-1]), 401)
    assert_error(d.post("/alerts/alertmanager", GOOD, token=None,
                        headers={"Authorization": "Basic " + TOKEN}), 401)
    assert_nothing_stored(d)
    # the token never shows up in the logs
    assert TOKEN not in d.log_tail(10000)


def test_not_json(d):
    assert_error(d.post("/alerts/alertmanager", "{not json"), 400, "JSON")
    assert_error(d.post("/alerts/alertmanager", ""), 400)
    assert_nothing_stored(d)


def test_missing_field_named(d):
    body = dict(GOOD)
    del body["alerts"]
    assert_error(d.post("/alerts/alertmanager", body), 400, "alerts")
    body = json.loads(json.dumps(GOOD))
    body["alerts"][0]["labels"] = "nope"
    assert_error(d.post("/alerts/alertmanager", body), 400, "labels")
    assert_nothing_stored(d)


def test_partial_batch_applies_nothing(d):
    body = am_payload(am_alert("A", labels={"service": "a"}), am_alert("B", labels={"service": "b"}))
    body["alerts"][1]["labels"] = ["not", "an", "object"]
    assert_error(d.post("/alerts/alertmanager", body), 400, "labels")
    assert_nothing_stored(d)


def test_wrong_method(d):
    r = d.get("/alerts/alertmanager", token=TOKEN)
    assert_error(r, 405)
    assert "POST" in r.headers.get("allow", ""), r.headers
    for path in ("/alerts/generic", "/alerts/eventbridge", "/alerts/sns"):
        assert_error(d.get(path, token=TOKEN), 405)
    assert_nothing_stored(d)


def test_body_too_large(d):
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    head = ("POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (TOKEN, len(body)))
    assert_error(raw_request(d.port, head, body), 413)
    assert_nothing_stored(d)


def test_chunked_without_length(d):
    head = ("POST /alerts/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % TOKEN)
    body = json.dumps(GOOD).encode()
    assert_error(raw_request(d.port, head, chunks=[body[:100], body[100:]]), 411)
    assert_nothing_stored(d)


def test_unknown_path(d):
    assert_error(d.post("/alerts/nagios", GOOD), 404)
    assert_error(d.get("/nope"), 404)
    assert_nothing_stored(d)


def test_good_request_after_errors(d):
    """The same connection-level handling still accepts a proper alert afterwards."""
    r = d.post("/alerts/alertmanager", GOOD)
    assert r.status == 202, r
    assert r.json["incidents"] == ["INC-1"]
    assert len(d.incidents()) == 1


def test_nul_and_invalid_utf8_refused_controls_replaced(d):
    """A NUL cuts a C string short and invalid UTF-8 breaks every chat client: refused with the
    field named. Other control characters would move a terminal's cursor: stored as spaces."""
    assert_error(d.post("/alerts/generic", {"title": "disk\u0000 full"}), 400,
                 "title: contains NUL")
    payload = am_payload(am_alert("ServiceDown", labels={"service": "MARK"}))
    payload["commonLabels"] = {}
    body = json.dumps(payload).encode()
    r = d.post("/alerts/alertmanager", body.replace(b"MARK", b"ap\xffi"),
               headers={"Content-Type": "application/json"})
    assert_error(r, 400, "alerts[0].labels.service: invalid UTF-8")
    r = d.post("/alerts/eventbridge", b'{"detail":{"alarmName":"\xc0\xaf"}}',
               headers={"Content-Type": "application/json"})
    assert_error(r, 400, "detail.alarmName: invalid UTF-8")
    assert_nothing_stored(d)
    r = d.post("/alerts/generic", {"title": "disk\x1b[2J full\r", "labels": {"svc": "a\x07b"}})
    assert r.status == 202, r
    v = d.view("INC-1")
    assert v["title"] == "disk [2J full ", v["title"]
    assert v["labels"]["svc"] == "a b", v["labels"]

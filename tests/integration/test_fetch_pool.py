"""Outside sources that hang: a Prometheus and a Loki that hold every request until the
client gives up. Their reads run on the fetch workers, so the chat card of a new incident
and the web UI answer promptly while both sources are still holding their connections."""
import time

from conftest import am_alert
from fake_logs import FakeLogs
from webui import LINK_KEY, POLICY, RESTART, get, sign_in

HANG_S = 40  # the fake holds every request this long; the sources give up after 20 s

WATCH = """\
rules:
  - name: web-latency
    prometheus: {url: "%(url)s", query: 'web_latency{job="web"}'}
    every: 1s
    history: 10m
    timeout: 20s
    labels: {alertname: LatencyAnomaly, service: web}
logs:
  - name: app
    loki: {url: "%(url)s", query: '{app="{{labels.app}}"}'}
    timeout: 20s
"""


def web_down(service, **labels):
    labels.update({"service": service, "instance": "web-1", "severity": "warning"})
    return am_alert("WebDown", labels=labels)


def test_hanging_sources_never_delay_cards_or_pages(healer, tmp_path):
    hang = FakeLogs([], delay_s=HANG_S)
    try:
        path = tmp_path / "watch.yaml"
        path.write_text(WATCH % {"url": hang.url})
        d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY, user="root",
                   HEALER_LINK_KEY=LINK_KEY, HEALER_WATCH=str(path))
        cookie = sign_in(d)
        d.alert(web_down("web", app="shop"))
        # both sources now hold a connection: the watcher's query and INC-1's log fetch
        d.wait_for(lambda: any("time" in q for q in hang.seen("loki")) and
                   any("direction" in q for q in hang.seen("loki")), "both sources asked")
        d.mark()
        t0 = time.monotonic()
        # no app label: its log source is not queried, so its card waits for nothing
        d.alert(web_down("api"))
        d.read_until(r"INC-2 ", timeout=10)
        card_s = time.monotonic() - t0
        t0 = time.monotonic()
        r = get(d, "/ui/", cookie)
        page_s = time.monotonic() - t0
        assert r.status == 200 and "INC-2" in r.text, r
        # far below the 20 s the sources hold their workers
        assert card_s < 10 and page_s < 10, (card_s, page_s)
        assert not hang.answered.is_set()
    finally:
        hang.close()

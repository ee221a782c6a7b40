"""`make screenshots`: PNGs of each web UI page (sign-in, list, incident awaiting approval
and resolved, dashboard, and the incident and list at phone width) in build/screenshots/, from a daemon with a few incidents,
taken by the same headless Chromium the browser tests use."""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import Browser, missing  # noqa: E402
from conftest import REPO, Daemon, am_alert, write_text  # noqa: E402
from webui import LINK_KEY, POLICY, RESTART, login_link  # noqa: E402

OUT = REPO / "build" / "screenshots"


def main():
    why = missing()
    if why:
        print("screenshots: " + why)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="healer-shots-"))
    d = Daemon(root, "root", {"HEALER_LINK_KEY": LINK_KEY, "HEALER_CONSOLE": "0"})
    d.runbooks.mkdir()
    write_text(d.runbooks / "restart.yaml", RESTART, {})
    write_text(d.runbooks / "policy.yaml", POLICY, {})
    d.start()
    try:
        d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"},
                         annotations={"summary": "web is not answering on web-1"}))
        for name, sev in (("DiskFull", "critical"), ("HighLatency", "warning"),
                          ("CertExpiring", "info")):
            d.alert(am_alert(name, labels={"severity": sev, "instance": "web-2"}))
        d.wait_state("INC-1", "awaiting_approval")
        shots = [("login", "/ui/login", 1280, 800)]
        b = Browser(1280, 900)
        try:
            drv = b.driver
            base = "http://127.0.0.1:%d" % d.port
            drv.get(base + "/ui/login")
            drv.save_screenshot(str(OUT / "login.png"))
            url = login_link(d, "alice@example.com")
            drv.get(base + url[url.index("/ui/"):])
            drv.save_screenshot(str(OUT / "login-link.png"))
            drv.find_element("id", "signin").click()
            time.sleep(0.5)
            for name, path, w, h in (("list", "/ui/", 1280, 900),
                                     ("incident", "/ui/incidents/1", 1280, 1600),
                                     ("dashboard", "/ui/dashboard?window=7d", 1280, 1400),
                                     ("phone-list", "/ui/", 390, 844),
                                     ("phone-incident", "/ui/incidents/1", 390, 2000),
                                     ("phone-dashboard", "/ui/dashboard", 390, 2400)):
                drv.set_window_size(w, h)
                drv.get(base + path)
                time.sleep(0.3)
                drv.save_screenshot(str(OUT / (name + ".png")))
            # the same incident once approved and finished: what ran, with its output
            drv.set_window_size(1280, 1600)
            drv.get(base + "/ui/incidents/1")
            drv.find_element("id", "approve").click()
            d.wait_state("INC-1", "resolved")
            drv.get(base + "/ui/incidents/1")
            time.sleep(0.3)
            drv.save_screenshot(str(OUT / "incident-resolved.png"))
            del shots
        finally:
            b.quit()
    finally:
        d.stop()
    for p in sorted(OUT.glob("*.png")):
        print("  PNG     %s" % p.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())

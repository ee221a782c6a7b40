"""The web UI in a real (headless) Chromium: sign in through a printed link, see the
dashboard, open an incident, approve it and watch it resolve; a forged session and XSS in
titles seen by a browser that would run them."""
import time

import pytest

from browser import Browser, missing
from conftest import WAIT_S, am_alert
from webui import LINK_KEY, POLICY, RESTART, login_link, web_daemon

why = missing()
pytestmark = pytest.mark.skipif(why is not None, reason=why or "")


@pytest.fixture
def browser():
    b = Browser()
    yield b.driver
    b.quit()


def base(d):
    return "http://127.0.0.1:%d" % d.port


def open_link(drv, d, address="alice@example.com"):
    url = login_link(d, address)
    drv.get(base(d) + url[url.index("/ui/"):])


def wait_text(drv, css, text, timeout=WAIT_S):
    from selenium.webdriver.common.by import By
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = drv.find_element(By.CSS_SELECTOR, css).text
            if text in last:
                return last
        except Exception:  # the page is reloading
            pass
        time.sleep(0.3)
    pytest.fail("%s never showed %r (last %r); page:\n%s" % (css, text, last,
                                                           drv.page_source[:3000]))


def page_text(drv):
    """What a reader sees on an incident page above its timeline (the timeline quotes the
    transitions and outputs as they happened)."""
    from selenium.webdriver.common.by import By
    main = drv.find_element(By.TAG_NAME, "main").text
    return main.replace(drv.find_element(By.ID, "timeline").text, "")


def test_sign_in_dashboard_approve_and_watch_it_resolve(healer, browser):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer)
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")

    open_link(browser, d)
    assert "alice@example.com" in browser.find_element(By.ID, "who").text
    browser.find_element(By.ID, "signin").click()
    # the list, with the incident
    row = wait_text(browser, "#incidents", "INC-1")
    assert "awaiting_approval" in row
    # the dashboard: charts drawn by the server
    browser.find_element(By.LINK_TEXT, "Dashboard").click()
    wait_text(browser, "h1", "Dashboard")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 6
    assert browser.find_element(By.ID, "fig-incidents").text.endswith("1")
    browser.find_element(By.LINK_TEXT, "7d").click()
    wait_text(browser, ".windows a[aria-current=page]", "7d")
    # the incident: approve it and watch it resolve (the page refreshes itself)
    browser.get(base(d) + "/ui/incidents/1")
    wait_text(browser, "#decision", "Restart the web service")
    page = page_text(browser)
    # the state once, the diagnostic's output once, the decision in full
    assert page.count("awaiting approval") == 1 and "awaiting_approval" not in page, page
    assert page.count("status of web: stuck") == 1, page
    decision = browser.find_element(By.ID, "decision").text
    for seen in ("$0.00", "30/100 medium", "+30 runbook risk medium",
                 "needs 1 approval from engineer, lead or admin", "0 of 1 given"):
        assert seen in decision, (seen, decision)
    steps = browser.find_element(By.ID, "steps").text
    assert steps.index("status of web: stuck") < steps.index("not run yet")
    browser.find_element(By.ID, "approve").click()
    wait_text(browser, "#state", "resolved")
    assert "approved" in browser.find_element(By.ID, "timeline").text.lower()
    assert not browser.find_elements(By.ID, "approve")
    page = page_text(browser)
    assert page.count("resolved") == 1, page
    steps = browser.find_element(By.ID, "steps").text
    assert steps.count("status of web: stuck") == 1 and steps.count("restarted web") == 1, steps
    assert "not run yet" not in steps
    assert (steps.index("status of web: stuck") < steps.index("restarted web")
            < steps.index("check"))
    assert page.count("restarted web") == 1, page
    v = d.view("INC-1")
    assert v["state"] == "resolved"
    assert v["approvals"][0]["user"] == "email:alice@example.com"


def test_a_used_link_and_a_forged_session_get_nowhere(healer, browser):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer)
    url = login_link(d, "alice@example.com")
    path = url[url.index("/ui/"):]
    browser.get(base(d) + path)
    browser.find_element(By.ID, "signin").click()
    wait_text(browser, "h1", "Incidents")
    browser.delete_all_cookies()
    browser.get(base(d) + path)
    assert "not valid" not in browser.page_source  # the GET still shows the button
    browser.find_element(By.ID, "signin").click()
    wait_text(browser, "main", "already used")
    browser.get(base(d) + "/ui/")
    browser.add_cookie({"name": "healer_session", "value": "v1.eyJ1c2VyIjoiZW1haWw6eCJ9.AAAA"})
    browser.get(base(d) + "/ui/dashboard")
    wait_text(browser, "h1", "Sign in")


def test_script_in_a_title_does_not_run(healer, browser):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer)
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"},
                     annotations={"summary": "<img src=x onerror=\"document.title='pwned'\">"
                                             "<script>document.title='pwned'</script>"}))
    d.wait_state("INC-1", "awaiting_approval")
    open_link(browser, d)
    browser.find_element(By.ID, "signin").click()
    wait_text(browser, "#incidents", "INC-1")
    for path in ("/ui/", "/ui/incidents/1", "/ui/dashboard"):
        browser.get(base(d) + path)
        time.sleep(0.3)
        assert browser.title != "pwned", path
        assert not browser.find_elements(By.CSS_SELECTOR, "main img"), path


class Smtp:
    """A loopback SMTP server (aiosmtpd) that records (recipient, message)."""

    def __init__(self):
        import email
        import email.policy
        import socket
        import threading
        from aiosmtpd.controller import Controller

        self.messages = []
        self.lock = threading.Lock()
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        smtp = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                               policy=email.policy.default)
                with smtp.lock:
                    for r in envelope.rcpt_tos:
                        smtp.messages.append((r, msg))
                return "250 queued"

        self.ctl = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.ctl.start()

    def to(self, rcpt):
        with self.lock:
            return [m for r, m in self.messages if r == rcpt]

    def wait_for(self, rcpt):
        """The mails to rcpt once there is one (or none after WAIT_S)."""
        deadline = time.monotonic() + WAIT_S
        while not self.to(rcpt) and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.to(rcpt)

    def close(self):
        self.ctl.stop()


def signin_path(mail):
    """The path and query of the sign-in link in a mail's text part."""
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url = [ln for ln in text.splitlines() if "/ui/login/link?t=" in ln][0].strip()
    return url[url.index("/ui/"):]


@pytest.fixture
def smtp():
    try:
        s = Smtp()
    except ImportError:
        pytest.skip("python3-aiosmtpd is not installed (make deps installs it)")
    yield s
    s.close()


def test_sign_in_through_the_mailed_link(healer, browser, smtp):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer, HEALER_SMTP_URL="smtp://127.0.0.1:%d" % smtp.port,
                   HEALER_SMTP_TLS="none", HEALER_MAIL_FROM="healer@example.com")
    browser.get(base(d) + "/ui/login")
    browser.find_element(By.ID, "email").send_keys("alice@example.com")
    browser.find_element(By.ID, "send").click()
    wait_text(browser, "#note", "a sign-in link is on its way")
    # an address the policy does not name gets the same page and no mail
    browser.get(base(d) + "/ui/login")
    browser.find_element(By.ID, "email").send_keys("mallory@example.com")
    browser.find_element(By.ID, "send").click()
    wait_text(browser, "#note", "a sign-in link is on its way")
    mails = smtp.wait_for("alice@example.com")
    assert len(mails) == 1, smtp.messages
    assert str(mails[0]["Subject"]) == "Sign in to healer"
    browser.get(base(d) + signin_path(mails[0]))
    browser.find_element(By.ID, "signin").click()
    wait_text(browser, "h1", "Incidents")
    assert "email:alice@example.com" in browser.find_element(By.CSS_SELECTOR, "header").text
    time.sleep(0.5)
    assert smtp.to("mallory@example.com") == []


def test_refresh_keeps_a_half_written_reason(healer, browser):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer)
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")
    open_link(browser, d)
    browser.find_element(By.ID, "signin").click()
    wait_text(browser, "#incidents", "INC-1")
    browser.get(base(d) + "/ui/incidents/1")
    browser.find_element(By.ID, "reason").send_keys("wrong host")
    browser.find_element(By.TAG_NAME, "h1").click()  # focus leaves the field
    marker = browser.find_element(By.TAG_NAME, "main")
    time.sleep(6.5)  # past one refresh period
    assert browser.find_element(By.ID, "reason").get_attribute("value") == "wrong host"
    assert marker.is_displayed()  # still the same document: no reload happened
    browser.find_element(By.ID, "reject").click()
    wait_text(browser, "#state", "rejected")
    assert d.view("INC-1")["approvals"][0]["reason"] == "wrong host"


def test_a_link_from_a_card_returns_to_the_incident_after_sign_in(healer, browser, smtp):
    from selenium.webdriver.common.by import By
    d = web_daemon(healer, HEALER_SMTP_URL="smtp://127.0.0.1:%d" % smtp.port,
                   HEALER_SMTP_TLS="none", HEALER_MAIL_FROM="healer@example.com")
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")
    # what a chat card links to, opened signed out: the sign-in form, which still works
    browser.get(base(d) + "/ui/incidents/1")
    wait_text(browser, "h1", "Sign in")
    browser.find_element(By.ID, "email").send_keys("alice@example.com")
    browser.find_element(By.ID, "send").click()
    wait_text(browser, "#note", "a sign-in link is on its way")
    browser.get(base(d) + signin_path(smtp.wait_for("alice@example.com")[0]))
    browser.find_element(By.ID, "signin").click()
    # back on the incident it started from
    wait_text(browser, "#decision", "Restart the web service")
    assert browser.current_url == base(d) + "/ui/incidents/1"


def test_approve_from_a_mailed_action_link(healer, browser, smtp):
    """The confirmation page of a mail's Approve link, posted by Chromium, passes the same
    Origin / Sec-Fetch-Site check as the other forms and approves."""
    from selenium.webdriver.common.by import By
    routes = "mail:\n  routes:\n    - to: [alice@example.com]\n      states: [awaiting_approval]\n"
    d = healer(runbooks={"restart.yaml": RESTART}, policy=POLICY + routes, user="root",
               HEALER_LINK_KEY=LINK_KEY, HEALER_SMTP_URL="smtp://127.0.0.1:%d" % smtp.port,
               HEALER_SMTP_TLS="none", HEALER_MAIL_FROM="healer@example.com",
               HEALER_PUBLIC_URL="http://healer.example.com")
    d.alert(am_alert("WebDown", labels={"service": "web", "severity": "warning"}))
    d.wait_state("INC-1", "awaiting_approval")
    text = smtp.wait_for("alice@example.com")[0].get_body(
        preferencelist=("plain",)).get_content()
    url = [ln for ln in text.splitlines() if ln.startswith("Approve: ")][0].split(" ", 1)[1]
    browser.get(base(d) + url[url.index("/ui/act"):])
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_text(browser, "h1", "INC-1: done")
    d.wait_state("INC-1", "resolved")

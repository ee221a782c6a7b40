"""A headless Chromium driven by Selenium for the web UI tests and `make screenshots`: fresh
profile, no network chatter, started and quit by the caller."""
import shutil
import tempfile

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"


def missing():
    """Why a browser cannot start here, or None."""
    if CHROMIUM is None:
        return "chromium is not installed (make deps installs it)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed (make deps installs it)"
    if not shutil.which("chromedriver") and not __import__("os").path.exists(CHROMEDRIVER):
        return "chromium-driver is not installed (make deps installs it)"
    return None


class Browser:
    def __init__(self, width=1280, height=900):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="healer-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--user-data-dir=" + self.profile, "--window-size=%d,%d" % (width, height)):
            opts.add_argument(a)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(30)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

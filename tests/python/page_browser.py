"""The page (GET /) and `gazette extract --html` in a real headless Chromium, driven by Selenium.

Starts `gazette serve` on 127.0.0.1:0 (the page is on by default on loopback; the bound
address is read from its log, readiness from its "SERVING" log event), loads the page, pastes
the seed article, sets a reference date, submits, and asserts that the highlighted spans (their
text and kind, in order) are the API's mentions for the same request; that unticking a kind
removes its spans; that text which looks like HTML stays text (no element is made from it);
and that the file `gazette extract --html` writes shows the same spans as `gazette extract`
prints.

    apt-get install -y chromium chromium-driver; pip install selenium==4.27.1
    python3 tests/python/page_browser.py target/debug/gazette

Exits non-zero on any difference. tests/page.rs runs it under `cargo test`.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GAZETTEERS = os.path.join(ROOT, "gazetteers")
ARTICLE = os.path.join(ROOT, "tests", "data", "bench", "article.txt")
DATE = "2026-01-20"
# Chromium in a closed network: without these it waits on refused connections.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def start_server(binary):
    """`gazette serve` on a port the system chooses; returns (process, address) once SERVING."""
    proc = subprocess.Popen(
        [binary, "--log-format", "json", "--gazetteers", GAZETTEERS, "serve", "--addr", "127.0.0.1:0", "--no-watch"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    addr = None
    for line in proc.stderr:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        fields = event.get("fields", {})
        addr = addr or fields.get("addr")
        if addr and "SERVING" in fields.get("message", "") and "loaded" in fields.get("message", ""):
            # Keep draining the log so that the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, addr
    sys.exit(f"gazette serve exited ({proc.wait()}) before it was SERVING")


def api(addr, request):
    body = json.dumps(request).encode()
    req = urllib.request.Request(f"http://{addr}/v1/extract", data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def spans(driver):
    """(text, kind) of every highlighted span, in order."""
    return [(m.get_property("textContent"), m.get_attribute("data-kind")) for m in driver.find_elements(By.CSS_SELECTOR, "#view mark")]


def submit(driver, text, date=None, untick=()):
    driver.find_element(By.ID, "text").clear()
    # Set as a value (send_keys would type it, slowly, and auto-indent nothing but still).
    driver.execute_script("document.getElementById('text').value = arguments[0];", text)
    if date:
        driver.execute_script("document.getElementById('date').value = arguments[0];", date)
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name=kind]"):
        if (box.get_attribute("value") in untick) == box.is_selected():
            box.click()
    driver.execute_script("document.getElementById('view').removeAttribute('data-mentions');")
    driver.find_element(By.ID, "go").click()
    WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.ID, "view").get_attribute("data-mentions") is not None
        or d.find_element(By.ID, "error").text)
    error = driver.find_element(By.ID, "error").text
    if error:
        sys.exit(f"the page shows an error: {error}")


def check(what, got, want):
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                sys.exit(f"{what}: span {i} is {g}, want {w}")
        sys.exit(f"{what}: {len(got)} spans, want {len(want)}")
    print(f"ok: {what}: {len(got)} spans")


def main():
    binary = os.path.abspath(sys.argv[1])
    proc, addr = start_server(binary)
    profile = tempfile.mkdtemp(prefix="gazette-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    try:
        article = open(ARTICLE, encoding="utf-8").read()
        driver.get(f"http://{addr}/")
        submit(driver, article, DATE)
        want = api(addr, {"text": article, "referenceDate": DATE, "offsetEncoding": "OFFSET_ENCODING_UTF16"})["mentions"]
        if len(want) < 20:
            sys.exit(f"only {len(want)} mentions in the seed article")
        check("page, seed article", spans(driver), [(m["text"], m["kind"]) for m in want])
        # The table below lists every mention with its entity id.
        rows = driver.find_elements(By.CSS_SELECTOR, "#table tbody tr")
        ids = [r.find_elements(By.TAG_NAME, "td")[3].get_property("textContent") for r in rows]
        if ids != [m.get("entityId", "") for m in want]:
            sys.exit("the table's entity ids are not the API's")

        # Without figures.
        submit(driver, article, DATE, untick=("ENTITY_KIND_FIGURE",))
        kinds = ["ENTITY_KIND_PERSON", "ENTITY_KIND_PLACE", "ENTITY_KIND_ORGANIZATION"]
        want = api(addr, {"text": article, "referenceDate": DATE, "offsetEncoding": "OFFSET_ENCODING_UTF16", "kinds": kinds})["mentions"]
        got = spans(driver)
        if any(kind == "ENTITY_KIND_FIGURE" for _, kind in got):
            sys.exit("a figure is highlighted with figures unticked")
        check("page, no figures", got, [(m["text"], m["kind"]) for m in want])

        # Text that looks like HTML is shown as text.
        hostile = 'Putin said <img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script> in Iran.'
        submit(driver, hostile)
        if driver.find_elements(By.CSS_SELECTOR, "#view img, #view script") or driver.title == "pwned":
            sys.exit("text from the document became HTML")
        view = driver.find_element(By.ID, "view").get_property("textContent")
        # The kind labels are CSS content, not text: the view's text is the document's.
        if view != hostile:
            sys.exit(f"the view's text is not the document's: {view!r}")
        check("page, HTML-like text", spans(driver), [("Putin", "ENTITY_KIND_PERSON"), ("Iran", "ENTITY_KIND_PLACE")])

        # `gazette extract --html`: the same view, from a file.
        out = os.path.join(profile, "view.html")
        run = [binary, "--gazetteers", GAZETTEERS, "extract", "--reference-date", DATE]
        subprocess.run(run + ["--html", out, ARTICLE], check=True, env=dict(os.environ, RUST_LOG="off"))
        printed = subprocess.run(run + ["--offsets", "utf16", ARTICLE], check=True, capture_output=True, text=True,
                                 env=dict(os.environ, RUST_LOG="off")).stdout
        want = json.loads(printed)["mentions"]
        driver.get("file://" + out)
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "view").get_attribute("data-mentions") is not None)
        if driver.find_element(By.ID, "form").is_displayed():
            sys.exit("the file shows the form")
        check("extract --html", spans(driver), [(m["text"], m["kind"]) for m in want])
    finally:
        driver.quit()
        proc.terminate()
        proc.wait()
    print("page and extract --html: all checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The citizen's hand-off in a real browser (issue 29.6, SPEC §2b): headless Chromium, driven by
Selenium, against a running broker that logs citizens in with an OpenID provider, with axe-core (the
copy PyPI's axe-selenium-python ships) run on every page. This script is also the bank: it asks for
consents with a `redirectUrl` on 127.0.0.1 and serves that URL, fetching a bundle when the citizen comes
back with `status=granted`.

Usage: browser-test.py SETUP_JSON
SETUP_JSON names: broker (URL), issuer (the provider's), bankKey, redirectPort (the registered redirect
URI is http://127.0.0.1:PORT/return), person, otherPerson, database (the broker's SQLite file: the
expired session is made by ending it there), mode (`full` for every case, `login-grant` for the
login and a grant alone), and optionally screenshots (a directory: PNGs of the consent page and /me in
bokmål and English are written there).
Prints one JSON object: what each step saw. Never contacts any address but 127.0.0.1.
"""
import base64
import hashlib
import http.server
import json
import os
import shutil
import sqlite3
import ssl
import sys
import threading
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

from axe_selenium_python import Axe
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

setup = json.loads(sys.argv[1])
broker, issuer, mode = setup["broker"], setup["issuer"], setup["mode"]
redirect = f"http://127.0.0.1:{setup['redirectPort']}/return"
results = {"axe": {}, "steps": {}}
returns = []


def bank(method, path, body=None):
    """The bank's API call: (status, JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(broker + path, data=data, method=method, headers={"Authorization": "Bearer " + setup["bankKey"]})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def ask(person, purpose="Refinancing a mortgage", with_redirect=True):
    """A consent request as a bank makes it; returns the consent (with `viewUri`)."""
    body = {
        "personId": person, "scopes": ["income", "debt"], "years": [2023, 2024], "maxUses": 2,
        "purpose": {"code": "loan-application", "text": purpose},
        "validUntil": (datetime.now(timezone.utc) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if with_redirect:
        body["redirectUrl"] = redirect
    status, consent = bank("POST", "/v1/consents", body)
    if status != 201:
        raise SystemExit(f"the bank's consent request failed: {status} {consent}")
    return consent


class BankReturn(http.server.BaseHTTPRequestHandler):
    """The bank's redirect URI: records where the citizen came back with, and fetches a bundle on a grant."""

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/return":
            # The browser's own asks (a favicon) are not the citizen coming back.
            self.send_error(404)
            return
        query = dict(urllib.parse.parse_qsl(url.query))
        entry = {"query": query}
        if query.get("status") == "granted":
            entry["bundleStatus"] = bank("POST", f"/v1/consents/{query.get('consentId')}/bundles")[0]
        returns.append(entry)
        page = b'<!DOCTYPE html><html lang="en"><head><title>Bank</title></head><body><main><h1>Back at the bank</h1></main></body></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *arguments):
        pass


listener = http.server.ThreadingHTTPServer(("127.0.0.1", setup["redirectPort"]), BankReturn)
threading.Thread(target=listener.serve_forever, daemon=True).start()


def provider_spki():
    """The base64 SHA-256 of the provider's public key, the one certificate error Chromium may ignore:
    the provider's CA is a throwaway one, and nothing else is trusted beyond the system's roots."""
    host, port = urllib.parse.urlsplit(issuer).netloc.rsplit(":", 1)
    pem = ssl.get_server_certificate((host, int(port)))
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
for argument in [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,800",
    "--no-proxy-server", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--no-first-run", "--disable-features=Translate,OptimizationHints,MediaRouter",
    f"--ignore-certificate-errors-spki-list={provider_spki()}",
    # No name resolves: whatever Chromium would look up on its own, it reaches nothing but 127.0.0.1.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]:
    options.add_argument(argument)
service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
driver = webdriver.Chrome(options=options, service=service)
driver.implicitly_wait(5)
axe = Axe(driver)


def check_page(name):
    """axe-core on the page now shown: every violation's rule and impact, kept under `name`."""
    axe.inject()
    found = axe.run()
    results["axe"][name] = [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in found["violations"]]


def page():
    """What a step looks at: the URL, the document's language, its heading and its text."""
    heading = driver.find_elements(By.TAG_NAME, "h1")
    return {
        "url": driver.current_url,
        "lang": driver.find_element(By.TAG_NAME, "html").get_attribute("lang"),
        "h1": heading[0].text if heading else None,
        "text": driver.find_element(By.TAG_NAME, "body").text,
    }


def replaced(old):
    """Whether `old` has left the document. Chrome sometimes answers a probe of a node that a
    navigation has just removed with an inspector error instead of a stale reference, which
    Selenium's staleness_of lets through as a crash (SeleniumHQ/selenium#15401): that error says
    the same thing."""
    def gone(_):
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return gone


def submit(element):
    """Clicks a submit button and waits until the next page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(replaced(old))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def log_in(person, check=None):
    """At the provider's login page: types the national identity number and presses log in."""
    WebDriverWait(driver, 15).until(lambda d: d.current_url.startswith(issuer))
    if check:
        check_page(check)
    field = driver.find_element(By.CSS_SELECTOR, 'input[name="pid"]')
    field.clear()
    field.send_keys(person)
    submit(driver.find_element(By.CSS_SELECTOR, 'button[type="submit"]'))


def decide(value):
    submit(driver.find_element(By.CSS_SELECTOR, f'button[name="decision"][value="{value}"]'))


def shoot(name):
    if setup.get("screenshots"):
        os.makedirs(setup["screenshots"], exist_ok=True)
        driver.save_screenshot(os.path.join(setup["screenshots"], name + ".png"))


try:
    person = setup["person"]
    granted = ask(person)
    results["consents"] = {"granted": granted["id"]}

    # The hand-off: the bank's viewUri, the provider's login, the consent page, grant, back at the bank.
    driver.get(granted["viewUri"])
    results["steps"]["viewUriGoesToProvider"] = driver.current_url.startswith(issuer + "/")
    log_in(person, check="provider login" if mode == "full" else None)
    consent_page = page()
    results["steps"]["consentPage"] = consent_page
    results["steps"]["consentPageButtons"] = [b.get_attribute("value") for b in driver.find_elements(By.CSS_SELECTOR, 'button[name="decision"]')]
    check_page("consent page (en)")
    decide("grant")
    results["steps"]["afterGrant"] = driver.current_url

    if mode == "full":
        denied = ask(person)
        other = ask(setup["otherPerson"])
        results["consents"].update(denied=denied["id"], other=other["id"])

        # Deny: the session from the login above is still there, so no provider in between.
        driver.get(denied["viewUri"] + "?lang=nb")
        results["steps"]["consentPageNb"] = page()
        check_page("consent page (nb)")
        shoot("consent-nb")
        driver.get(denied["viewUri"] + "?lang=en")
        shoot("consent-en")
        decide("deny")
        results["steps"]["afterDeny"] = driver.current_url

        # Another person's consent and an unknown one: the same page.
        driver.get(other["viewUri"])
        results["steps"]["otherPerson"] = page()
        check_page("unknown consent")
        driver.get(broker + "/consent/" + str(uuid.uuid4()))
        results["steps"]["unknown"] = page()

        # /me, in both languages.
        driver.get(broker + "/me?lang=nb")
        results["steps"]["meNb"] = page()
        check_page("me (nb)")
        shoot("me-nb")
        driver.get(broker + "/me?lang=en")
        results["steps"]["meEn"] = page()
        check_page("me (en)")
        shoot("me-en")

        forged = ask(person, purpose="Kredittsjekk <b>&amp;</b> \u00e6\u00f8\u00e5")
        results["consents"]["forged"] = forged["id"]
        # A forged CSRF token: refused, and the consent stays pending.
        driver.get(forged["viewUri"])
        results["steps"]["forgedPurpose"] = page()["text"]
        driver.execute_script('document.querySelector(\'input[name="csrf"]\').value = "forged-" + Math.random()')
        decide("grant")
        results["steps"]["forgedCSRF"] = page()
        check_page("refused form")

        # Revoke the granted consent from /me: it stays on the broker.
        driver.get(broker + "/me?lang=en")
        revoke = driver.find_element(By.CSS_SELECTOR, f'form[action^="/consent/{granted["id"]}"] button[name="decision"][value="revoke"]')
        submit(revoke)
        results["steps"]["afterRevoke"] = page()
        check_page("confirmation")

        # An expired session (ended in the store, as 30 minutes would): back to the provider's login.
        with sqlite3.connect(setup["database"], timeout=10) as database:
            database.execute("UPDATE citizenSession SET expiresAt = '2000-01-01 00:00:00.000'")
        driver.get(broker + "/me?lang=en")
        results["steps"]["expiredGoesToProvider"] = driver.current_url.startswith(issuer + "/")
        log_in(person)
        results["steps"]["afterRelogin"] = page()

        # A login callback that is not this browser's, and logging out.
        driver.get(broker + "/login/callback?state=forged&code=forged")
        results["steps"]["loginFailed"] = page()
        check_page("login failed")
        driver.get(broker + "/me?lang=en")
        submit(driver.find_element(By.CSS_SELECTOR, 'form[action^="/logout"] button[type="submit"]'))
        results["steps"]["loggedOut"] = page()
        check_page("logged out")
        results["steps"]["cookiesAfterLogout"] = [c["name"] for c in driver.get_cookies()]
except Exception as error:
    # The steps so far still count; the test names the step that broke off.
    results["error"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} at {driver.current_url}"
finally:
    results["returns"] = returns
    driver.quit()
    listener.shutdown()
print(json.dumps(results))

#!/usr/bin/env python3
"""Screenshots of the demo's pages, as each role sees them, in headless
Chromium: the pictures of README.md and the manual, renewed with one command
(``make screenshots`` while ``make run`` serves the demo).  A page that shows
an error dialog, or that the browser reports an error on, fails the run.

    python3 tools/screenshots.py --url http://127.0.0.1:8069 --db DB --out DIR

Chromium is driven over its DevTools protocol (``websocket-client``, one of
the test tools); no other browser tooling is needed.
"""

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# (file name, login, path): what README.md and the manual show.
PAGES = (
    (
        "repair_covered.png",
        "desk",
        "/odoo/action-service_entitlement.repair_order_action_service_desk",
    ),
    ("loaners.png", "desk", "/odoo/action-service_entitlement.stock_lot_action_loaner"),
    (
        "overages.png",
        "billing",
        "/odoo/action-service_entitlement.service_entitlement_billing_line_action",
    ),
    (
        "entitlements.png",
        "manager",
        "/odoo/action-service_entitlement.service_entitlement_action",
    ),
    (
        "claims.png",
        "desk",
        "/odoo/action-service_entitlement.service_vendor_claim_action",
    ),
    (
        "contracts.png",
        "manager",
        "/odoo/action-service_entitlement.service_entitlement_action_contract",
    ),
    ("portal.png", "adatum", "/my/entitlements"),
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(url, db, login):
    """Log ``login`` in (the demo's password is the login) and return the
    session id."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": db, "login": login, "password": login},
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/web/session/authenticate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
        if answer.get("error"):
            sys.exit(f"error: {login} cannot log in: {answer['error']}")
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    sys.exit(f"error: no session for {login}")


class Browser:
    """One headless Chromium, one tab, driven over the DevTools protocol."""

    def __init__(self):
        binary = next(filter(None, map(shutil.which, BROWSERS)), None)
        if not binary:
            sys.exit("error: Chromium is needed (apt-get install chromium).")
        self.profile = tempfile.mkdtemp(prefix="service_entitlement-shots-")
        port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--window-size=1440,900",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for __ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                    tabs = [t for t in json.loads(r.read()) if t["type"] == "page"]
                if tabs:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(tabs[0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.console_errors = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.console_errors.append(
                    message["params"]["exceptionDetails"].get("text", "")
                )
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def shoot(self, url, cookie, path):
        self.call("Network.clearBrowserCookies")
        self.call(
            "Network.setCookie",
            name="session_id",
            value=cookie,
            url=url.split("/odoo")[0],
        )
        self.call("Page.navigate", url=url)
        time.sleep(5)
        found = self.call(
            "Runtime.evaluate",
            expression="!!document.querySelector('.o_error_dialog')",
            returnByValue=True,
        )
        shot = self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return found["result"].get("value")

    def close(self):
        self.ws.close()
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="service_entitlement_demo")
    parser.add_argument("--out", default=str(ROOT / "static" / "description"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, login, path in PAGES:
        # A browser of its own for each page: one user's session each.
        browser = Browser()
        try:
            cookie = session_cookie(args.url, args.db, login)
            if browser.shoot(args.url + path, cookie, out / name):
                problems.append(f"{name}: {login} sees an error on {path}")
        finally:
            browser.close()
        problems += [
            f"{name}: browser error: {text}" for text in browser.console_errors
        ]
        print(f"-- {out / name} ({login})", flush=True)
    if problems:
        print(*problems, "FAILED: screenshots", sep="\n", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Opens every kind of page of a running registry in headless Chromium (Playwright, the system's
chromium) as a phone and a desktop would, and checks what a person meets:

- no page scrolls sideways at 320, 390 or 1280 px;
- in search results, each service's standing is on screen, not cut off;
- axe-core (the copy shipped in the axe-playwright-python package) finds no violation at 1280
  and 390 px.

usage: pages_check.py BASE_URL [--smoke]

--smoke (the quick test suite): the search results and one service's page at 390 px only,
axe included.

Prints one JSON object: {"pages": N, "checks": N, "failures": [...]}; exits 1 when a check fails.
"""
import json
import os
import sys
import urllib.request

import axe_playwright_python
from playwright.sync_api import sync_playwright

WIDTHS = (320, 390, 1280)
AXE_WIDTHS = (390, 1280)
AXE = open(os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")).read()


def fetch_json(url):
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def pages(base):
    """One page of every kind, in French and some in English."""
    listing = fetch_json(base + "/services.json?limit=100")["services"]
    paths = ["/", "/?q=sant", "/?q=sant&lang=en", "/?standing=suspended", "/verify",
             "/verify?lang=en", "/bodies", "/log", "/open-data", "/accessibilite",
             "/mentions-legales?lang=en", "/api", "/nowhere", "/services/12345678200010"]
    seen = set()
    for service in listing:
        if service["standing"] in seen:
            continue
        seen.add(service["standing"])
        paths.append("/services/" + service["siret"])
        detail = fetch_json(base + "/services/" + service["siret"] + ".json")
        for attestation in detail.get("attestations", [])[:1]:
            identifier = attestation["id"].split(":")[-1]
            paths.append("/v/" + identifier)
            paths.append("/attestations/" + identifier + "?lang=en")
    paths.append("/services/" + listing[0]["siret"] + "?lang=en")
    return paths


def main():
    base = sys.argv[1].rstrip("/")
    smoke = "--smoke" in sys.argv[2:]
    failures, checks = [], 0
    paths = pages(base)
    widths = WIDTHS
    if smoke:
        paths = ["/?q=sant"] + [p for p in paths if p.startswith("/services/")][:1]
        widths = (390,)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"])
        # axe is evaluated into the page; the registry's CSP would refuse it as an inline script.
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        for path in paths:
            for width in widths:
                page.set_viewport_size({"width": width, "height": 800})
                page.goto(base + path, wait_until="load")
                checks += 1
                scroll, inner = page.evaluate(
                    "[document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    failures.append({"page": path, "width": width,
                                     "failure": "scrolls sideways: %d px wide" % scroll})
                if page.query_selector("table.results .standing"):
                    checks += 1
                    hidden = page.evaluate("""(width) => [...document.querySelectorAll(
                        'table.results .standing')].filter(e => {
                          const r = e.getBoundingClientRect();
                          return r.width === 0 || r.left < 0 || r.right > width; }).length""", width)
                    if hidden:
                        failures.append({"page": path, "width": width,
                                         "failure": "%d standing(s) off screen" % hidden})
                if width in AXE_WIDTHS:
                    checks += 1
                    page.evaluate(AXE)
                    result = page.evaluate("async () => await axe.run(document)")
                    for violation in result["violations"]:
                        failures.append({
                            "page": path, "width": width, "failure": "axe " + violation["id"],
                            "impact": violation["impact"], "help": violation["help"],
                            "nodes": [n["target"] for n in violation["nodes"]][:5]})
        browser.close()
    print(json.dumps({"pages": len(paths), "checks": checks, "failures": failures},
                     ensure_ascii=False))
    sys.exit(1 if failures else 0)


main()

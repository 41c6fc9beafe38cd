#!/usr/bin/env python3
"""Reads a registry's open data and decision feed as an outsider would, with Python's standard
library alone, and checks them against `amexist service list --json`.

usage: open_data_check.py BASE_URL SERVICE_LIST_JSON_FILE

Prints one JSON object: rows read, feed entries and their kinds. Exits 1 with a reason on
the first disagreement.
"""
import csv
import io
import json
import re
import sys
import urllib.request
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.headers, reply.read()


def text(value):
    return "" if value is None else str(value)


DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def expected_row(service, row):
    """The row `service list --json` implies; `row` gives the grant's own date and validity
    when a renewal replaced them in the JSON (checked to be dates)."""
    decision = service.get("decision") or {}
    suspension = service.get("suspension") or {}
    withdrawal = service.get("withdrawal") or {}
    reserves = service.get("reserves") or {}
    renewed = bool(decision) and decision["index"] != decision["grantIndex"]
    if renewed and not (DATE.match(row["decided"]) and DATE.match(row["granted_until"])):
        fail("a renewed row without its grant's dates: %r" % row)
    # `decided` is the grant's date; the JSON's is the latest decision's (a transfer, a
    # renewal), which is never earlier.
    if decision and not (DATE.match(row["decided"]) and row["decided"] <= decision["decided"]):
        fail("a row's grant date is not a date before its latest decision: %r" % row)
    return {
        "siret": service["siret"], "name": service["name"],
        "address": text(service["address"]), "city": text(service["city"]),
        "region": text(service["region"]), "website": text(service["website"]),
        "level": text(decision.get("level")),
        "decided": row["decided"] if decision else "",
        "valid_from": text(decision.get("validFrom")),
        "valid_until": text(decision.get("validUntil")),
        "evaluator": text(decision.get("evaluator")),
        "reference": text(decision.get("reference")),
        "renewed": text(decision.get("decided")) if renewed else "",
        "granted_until": row["granted_until"] if renewed else "",
        "region_name": text(service["regionName"]),
        "level_name": text(decision.get("levelName")), "standing": service["standing"],
        "body": text(decision.get("body")),
        "suspended_on": text(suspension.get("decided")),
        "suspension_reason": text(suspension.get("reason")),
        "withdrawn_on": text(withdrawal.get("decided")),
        "withdrawal_reason": text(withdrawal.get("reason")),
        "reserves_deadline": text(reserves.get("deadline")),
        "reserves_lifted_on": text(reserves.get("liftedOn")),
        "reserves_overdue": "true" if service["reservesOverdue"] else "false",
        "registered_at": service["registeredAt"],
    }


def neutralised(value):
    """The cell as the registry writes it: a would-be formula starts with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def main():
    base, listing = sys.argv[1].rstrip("/"), sys.argv[2]
    with open(listing, encoding="utf-8") as handle:
        services = {s["siret"]: s for s in json.load(handle)}

    headers, body = fetch(base + "/open-data/services.csv")
    if not headers.get("Content-Type", "").startswith("text/csv; charset=utf-8"):
        fail("CSV content type: " + headers.get("Content-Type", ""))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    if {r["siret"] for r in rows} != set(services):
        fail("CSV services differ from service list --json")
    for row in rows:
        wanted = {k: neutralised(v) for k, v in expected_row(services[row["siret"]], row).items()}
        if row != wanted:
            diff = {k: (row.get(k), v) for k, v in wanted.items() if row.get(k) != v}
            fail("CSV row %s differs: %r" % (row["siret"], diff))

    _, lines = fetch(base + "/open-data/services.jsonl")
    objects = [json.loads(line) for line in lines.decode("utf-8").splitlines()]
    def without_as_of(service):
        return {k: v for k, v in service.items() if k != "asOf"}
    if {o["siret"]: without_as_of(o) for o in objects} != {
            k: without_as_of(v) for k, v in services.items()}:
        fail("JSON Lines differ from service list --json")

    _, schema = fetch(base + "/open-data/schema.json")
    fields = [f["name"] for f in json.loads(schema)["fields"]]
    if fields != list(rows[0].keys() if rows else fields):
        fail("schema fields differ from the CSV header")

    headers, feed = fetch(base + "/feed.atom")
    if not headers.get("Content-Type", "").startswith("application/atom+xml"):
        fail("feed content type: " + headers.get("Content-Type", ""))
    root = ET.fromstring(feed)
    if root.tag != ATOM + "feed":
        fail("not an Atom feed")
    for required in ("id", "title", "updated", "author"):
        if root.find(ATOM + required) is None:
            fail("the feed has no " + required)
    entries = root.findall(ATOM + "entry")
    updated = [e.find(ATOM + "updated").text for e in entries]
    if updated != sorted(updated, reverse=True):
        fail("entries are not newest first")
    ids = [e.find(ATOM + "id").text for e in entries]
    if len(set(ids)) != len(ids):
        fail("entry ids repeat")
    kinds = []
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            if entry.find(ATOM + required) is None or not entry.find(ATOM + required).text:
                fail("an entry has no " + required)
        link = entry.find(ATOM + "link").get("href")
        if link.rsplit("/", 1)[-1] not in services:
            fail("an entry links to an unknown service: " + link)
        kinds.append(entry.find(ATOM + "category").get("term"))
    print(json.dumps({
        "rows": len(rows), "entries": len(entries), "kinds": kinds,
        "titles": [e.find(ATOM + "title").text for e in entries],
        "summaries": [e.find(ATOM + "summary").text for e in entries],
    }, ensure_ascii=False))


main()

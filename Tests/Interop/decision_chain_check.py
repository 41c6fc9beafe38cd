"""Checks, without the registry's code, that an attestation bundle carries the certifying body's
signed decision its credential names, as DESIGN's "Certifying bodies" describes it: joserfc
verifies the decision (typ amexist-decision+jwt) with the body's key from the trust file, and
the credential's decisionSHA256, certifiedBy, level, last day and SIRET agree with it.

Usage: decision_chain_check.py BUNDLE TRUST_JSON
Prints "ok" and exits 0, or prints what disagrees and exits 1.
"""
import base64
import hashlib
import json
import sys

from joserfc import jws
from joserfc.jwk import KeySet

import trust_view


def b64decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


bundle_path, trust_path = sys.argv[1:3]
with open(bundle_path, encoding="utf-8") as handle:
    bundle = json.load(handle)
trust = trust_view.load(trust_path)

credential = json.loads(b64decode(bundle["jws"].split(".")[1]))
subject = credential["credentialSubject"]
certified = subject["certifiedBy"]
body = next(b for b in trust["bodies"] if b["id"] == certified["id"])
keys = KeySet.import_key_set({"keys": [key["jwk"] for key in body["keys"]]})

token = bundle["decision"]
header = json.loads(b64decode(token.split(".")[0]))
problems = []
if header.get("typ") != "amexist-decision+jwt":
    problems.append("typ")
algorithms = ["EdDSA", "ES256"]
verified = jws.deserialize_compact(token, keys, algorithms=algorithms)
decision = json.loads(verified.payload)
if hashlib.sha256(verified.payload).hexdigest() != subject["decisionSHA256"]:
    problems.append("decisionSHA256")
if decision["body"] != certified["id"]:
    problems.append("body")
if certified["accreditationNumber"] != body["accreditation"]["number"]:
    problems.append("accreditation number")
if decision["level"] != subject["level"]:
    problems.append("level")
if decision["validUntil"] != subject["levelValidUntil"]:
    problems.append("validUntil")
expected_siret = subject.get("succession", {}).get("predecessor", subject["siret"])
if decision["siret"] != expected_siret:
    problems.append("siret")
if decision["aud"] != trust["log"]["origin"] or decision["scheme"] != trust["scheme"]:
    problems.append("aud or scheme")
if problems:
    print("disagree: " + ", ".join(problems))
    sys.exit(1)
print("ok")

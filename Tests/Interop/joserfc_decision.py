"""Signs a certifying body's decision as a body's own software would: joserfc, with the key
`amexist body keygen` wrote, and a payload built from the registry's published trust file.

Usage: joserfc_decision.py BODY_PEM TRUST_JSON BODY_ID SIRET DECIDED VALID_UNTIL OUT [--tamper]
Writes OUT, a compact JWS (typ amexist-decision+jwt) granting level 3. With --tamper, the
payload's level is changed after signing (the signature no longer covers it).
"""
import base64
import json
import sys
import time
import uuid

from joserfc import jws
from joserfc.jwk import OKPKey

import trust_view

pem_path, trust_path, body, siret, decided, valid_until, out = sys.argv[1:8]
tamper = "--tamper" in sys.argv[8:]
with open(pem_path, "rb") as handle:
    key = OKPKey.import_key(handle.read())
trust = trust_view.load(trust_path)
kid = "ed25519-" + key.thumbprint()
payload = {
    "decision": "grant",
    "aud": trust["log"]["origin"],
    "scheme": trust.get("scheme", "amexist"),
    "jti": str(uuid.uuid4()),
    "iat": int(time.time()),
    "body": body,
    "siret": siret,
    "decided": decided,
    "level": 3,
    "validFrom": decided,
    "validUntil": valid_until,
    "reference": "CERT-PY-1",
}
header = {"alg": "EdDSA", "kid": kid, "typ": "amexist-decision+jwt"}
token = jws.serialize_compact(
    header, json.dumps(payload, ensure_ascii=False).encode(), key, algorithms=["EdDSA"])
if tamper:
    head, _, signature = token.split(".")
    payload["level"] = 2
    body_part = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    token = ".".join([head, body_part, signature])
with open(out, "w", encoding="ascii") as handle:
    handle.write(token + "\n")

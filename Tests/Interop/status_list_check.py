"""Reads the registry's Bitstring Status Lists from the W3C specification alone.

Usage: status_list_check.py TRUST_JSON BASE_URL BUNDLE...

For each bundle, the credential's `credentialStatus` entries (BitstringStatusListEntry) name a
status list credential and an index. The list is fetched from BASE_URL (the registry's issuer
URL in the entry is replaced by BASE_URL), its compact JWS (`typ` `vc+jwt`) verified with an
Ed25519 key the trust file lists with `"use": "status"` (`cryptography`), its `encodedList`
decoded as the specification says (multibase `u` = base64url without padding, then GZIP; index
0 is the left-most bit of the first byte; at least 131,072 entries), and the bit compared with
the attestation's live status at BASE_URL/attestations/{uuid}: the revocation bit is set
exactly for withdrawn, superseded and revoked; the suspension bit exactly for suspended.
Prints a JSON summary; exit 1 on any disagreement.
"""

import base64
import gzip
import json
import sys
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def get(url, accept):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


trust = json.load(open(sys.argv[1]))
base = sys.argv[2].rstrip("/")
registry = trust["registry"]["signed"] if "registry" in trust else trust
issuer = trust["root"]["signed"]["issuer"] if "root" in trust else trust["issuer"]
status_keys = {
    key["kid"]: Ed25519PublicKey.from_public_bytes(b64url(key["jwk"]["x"]))
    for key in registry["keys"]
    if key.get("use") == "status"
}
assert status_keys, "the trust file lists no status key"

lists = {}


def status_list(url):
    if url not in lists:
        assert url.startswith(issuer.rstrip("/") + "/status/lists/"), url
        token = get(base + url[len(issuer.rstrip("/")):], "application/vc+jwt").decode().strip()
        header, payload, signature = token.split(".")
        head = json.loads(b64url(header))
        assert head["typ"] == "vc+jwt" and head["alg"] == "EdDSA", head
        status_keys[head["kid"]].verify(b64url(signature), (header + "." + payload).encode())
        credential = json.loads(b64url(payload))
        assert "BitstringStatusListCredential" in credential["type"]
        assert credential["issuer"] == issuer and credential["id"] == url
        subject = credential["credentialSubject"]
        assert subject["type"] == "BitstringStatusList"
        encoded = subject["encodedList"]
        assert encoded[0] == "u", "multibase base64url starts with u"
        bits = gzip.decompress(b64url(encoded[1:]))
        assert len(bits) * 8 >= 131072, "shorter than the specification's minimum"
        lists[url] = (subject["statusPurpose"], bits)
    return lists[url]


checked = []
disagreements = []
for path in sys.argv[3:]:
    bundle = json.load(open(path))
    claims = json.loads(b64url(bundle["jws"].split(".")[1]))
    uuid = claims["id"][len("urn:uuid:"):]
    live = json.loads(get(f"{base}/attestations/{uuid}", "application/json"))["status"]
    for entry in claims.get("credentialStatus", []):
        assert entry["type"] == "BitstringStatusListEntry"
        purpose, bits = status_list(entry["statusListCredential"])
        assert purpose == entry["statusPurpose"]
        index = int(entry["statusListIndex"])
        bit = (bits[index // 8] >> (7 - index % 8)) & 1
        expected = live in ("withdrawn", "superseded", "revoked") if purpose == "revocation" else live == "suspended"
        checked.append({"id": claims["id"], "purpose": purpose, "bit": bit, "status": live})
        if bool(bit) != expected:
            disagreements.append(checked[-1])

print(json.dumps({"checked": len(checked), "lists": len(lists), "disagreements": disagreements,
                  "statuses": sorted({c["status"] for c in checked})}))
sys.exit(1 if disagreements or not checked else 0)

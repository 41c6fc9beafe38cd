"""Verifies the two signed parts of an amexist-trust/2 file from DESIGN's description alone,
with Python's `cryptography`: each signature is Ed25519 over the canonical JSON of its part's
`signed` member (members sorted, no white space, UTF-8), listed as {"keyid": SHA-256 hex of the
raw 32-byte key, "sig": base64}. The root counts distinct root keys (C2SP vkeys,
name+hash+base64(0x01 || key)) against its threshold; the registry list must be signed by one of
the root's registryKeys.

Usage: trust_metadata_check.py TRUST_JSON
Prints "root N: K of M signatures (threshold T); registry list signed" and exits 0, or exits 1.
"""
import json
import sys

from trust_view import signers

with open(sys.argv[1], encoding="utf-8") as handle:
    trust = json.load(handle)
root = trust["root"]
signed = root["signed"]
assert signed["format"] == "amexist-trust/2"
count = len(signers(root, signed["roots"]))
if count < signed["threshold"]:
    print("root: %d signatures, threshold %d" % (count, signed["threshold"]))
    sys.exit(1)
registry_keys = [entry["key"] for entry in signed["registryKeys"]]
if not signers(trust["registry"], registry_keys):
    print("registry list: no delegated signature")
    sys.exit(1)
print(
    "root %d: %d of %d signatures (threshold %d); registry list signed"
    % (signed["version"], count, len(signed["roots"]), signed["threshold"]))

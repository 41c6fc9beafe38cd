"""Verifies, with hashlib and cryptography only, that an amexist bundle is in the log.

Usage: log_verify.py TRUST_JSON BUNDLE_JSON
Rebuilds the attestationIssued entry from the JWS payload, checks the C2SP tlog-proof's
inclusion proof (RFC 9162 §2.1.3.2) against the checkpoint's root, and the checkpoint's C2SP
signed-note signature with the log key of the trust file. Prints "index N size M" and exits 0,
or exits 1 with the reason.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import trust_view


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


trust = trust_view.load(sys.argv[1])
bundle = json.load(open(sys.argv[2]))

# The log key: name+hash+base64(0x01 || key), the hash being SHA-256(name || 0x0A || 0x01 || key)[:4].
name, key_hash, key_data = trust["log"]["key"].split("+", 2)
key_bytes = base64.b64decode(key_data, validate=True)
if key_bytes[0] != 1 or len(key_bytes) != 33:
    fail("not an Ed25519 note key")
key_id = hashlib.sha256(name.encode() + b"\n" + key_bytes).digest()[:4]
if key_id.hex() != key_hash or name != trust["log"]["origin"]:
    fail("the log key's hash or name does not match")

# The proof: header, index, hashes, blank line, then the checkpoint note.
head, note = bundle["log"]["proof"].split("\n\n", 1)
lines = head.split("\n")
if lines[0] != "c2sp.org/tlog-proof@v1":
    fail("not a tlog-proof")
lines = [line for line in lines[1:] if not line.startswith("extra ")]
index = int(lines[0].removeprefix("index "))
proof = [base64.b64decode(line, validate=True) for line in lines[1:]]

# The note: text up to the last blank line, then signature lines.
text, signatures = note.rsplit("\n\n", 1)
text += "\n"
verified = False
for line in signatures.strip("\n").split("\n"):
    signer, signature = line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(signature, validate=True)
    if signer == name and raw[:4] == key_id:
        Ed25519PublicKey.from_public_bytes(key_bytes[1:]).verify(raw[4:], text.encode())
        verified = True
if not verified:
    fail("the checkpoint is not signed by the log key")
origin, size, root = text.rstrip("\n").split("\n")
if origin != name:
    fail("the checkpoint is from another log")
size, root = int(size), base64.b64decode(root, validate=True)

# The entry the registry logged when it issued the attestation, rebuilt from the payload.
token = bundle["jws"]
payload_bytes = base64.urlsafe_b64decode(token.split(".")[1] + "==")
payload = json.loads(payload_bytes)
entry = {
    "attestation": payload["id"], "decision": payload["credentialSubject"]["decision"],
    "event": "attestationIssued", "payloadSHA256": hashlib.sha256(payload_bytes).hexdigest(),
    "recordedAt": payload["validFrom"], "siret": payload["credentialSubject"]["siret"], "v": 1,
}
# Since status lists, the entry records the credential's status index: the list number (two
# lists, revocation and suspension, per block of 131,072) and the index in the list.
if "credentialStatus" in payload:
    first = payload["credentialStatus"][0]
    number = int(first["statusListCredential"].rsplit("/", 1)[1])
    entry["statusIndex"] = number // 2 * 131072 + int(first["statusListIndex"])
leaf = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

# RFC 9162 §2.1.3.2.
if index >= size:
    fail("index beyond the tree")
fn, sn = index, size - 1
r = hashlib.sha256(b"\x00" + leaf).digest()
for p in proof:
    if sn == 0:
        fail("proof too long")
    if fn & 1 or fn == sn:
        r = hashlib.sha256(b"\x01" + p + r).digest()
        if not fn & 1:
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
    else:
        r = hashlib.sha256(b"\x01" + r + p).digest()
    fn >>= 1
    sn >>= 1
if sn != 0 or r != root:
    fail("the inclusion proof does not lead to the checkpoint's root")
print(f"index {index} size {size}")

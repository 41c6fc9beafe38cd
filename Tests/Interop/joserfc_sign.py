"""Issues an attestation as another implementation of the format would: joserfc signs the
credential, hashlib and cryptography make the log around it.

Usage: joserfc_sign.py OUT_FOLDER ISSUER
Writes OUT_FOLDER/trust.json (the new issuer key, trusted from 2026-01-01, and a new log key),
OUT_FOLDER/token.jws (a compact JWS of an AMEXIST credential, typ vc+jwt) and
OUT_FOLDER/bundle.amexist.json (the token with the C2SP tlog-proof of its issuance entry, at
index 1 of a three-entry log whose checkpoint is a C2SP signed note).
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from joserfc import jws
from joserfc.jwk import OKPKey

folder, issuer = sys.argv[1], sys.argv[2]
key = OKPKey.generate_key("Ed25519")
public = key.as_dict(private=False)
kid = key.thumbprint()
public.update({"kid": kid, "alg": "EdDSA", "use": "sig"})
trust = {
    "format": "amexist-trust/1",
    "issuer": issuer,
    "keys": [{"kid": kid, "alg": "EdDSA", "jwk": public, "validFrom": "2026-01-01T00:00:00Z",
              "validUntil": None, "revokedAt": None}],
}
payload = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "AmexistAttestation"],
    "id": "urn:uuid:3b0e6f0e-58a5-4c55-9a43-5d4a2f0a7c11",
    "issuer": issuer,
    "validFrom": "2026-11-25T10:00:00Z",
    "validUntil": "2029-01-09T23:00:00Z",
    "credentialSubject": {
        "siret": "73282932000074", "name": "Santé Travail Interop", "level": 2,
        "levelName": "Attestation de mise en œuvre", "decisionDate": "2026-01-10",
        "levelValidFrom": "2026-01-10", "levelValidUntil": "2029-01-09", "decision": 3,
    },
}
payload_bytes = json.dumps(payload, ensure_ascii=False).encode()
token = jws.serialize_compact(
    {"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"}, payload_bytes, key, algorithms=["EdDSA"])

# The log: the issuance entry (canonical JSON, recorded at the credential's validFrom) between
# two other entries, RFC 6962 hashing, a checkpoint signed as a C2SP note.
b64 = lambda data: base64.b64encode(data).decode()
entry = {
    "attestation": payload["id"], "decision": 3, "event": "attestationIssued",
    "payloadSHA256": hashlib.sha256(payload_bytes).hexdigest(),
    "recordedAt": payload["validFrom"], "siret": "73282932000074", "v": 1,
}
leaf = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
leaf_hash = lambda data: hashlib.sha256(b"\x00" + data).digest()
node_hash = lambda left, right: hashlib.sha256(b"\x01" + left + right).digest()
hashes = [leaf_hash(data) for data in (b"entry before", leaf, b"entry after")]
root = node_hash(node_hash(hashes[0], hashes[1]), hashes[2])
origin = "interop.example/log"
log_key = Ed25519PrivateKey.generate()
log_public = log_key.public_key().public_bytes_raw()
key_id = hashlib.sha256(origin.encode() + b"\n\x01" + log_public).digest()[:4]
text = f"{origin}\n3\n{b64(root)}\n"
note = text + f"\n\u2014 {origin} {b64(key_id + log_key.sign(text.encode()))}\n"
proof = f"c2sp.org/tlog-proof@v1\nindex 1\n{b64(hashes[0])}\n{b64(hashes[2])}\n\n" + note
trust["log"] = {"origin": origin, "key": f"{origin}+{key_id.hex()}+{b64(bytes([1]) + log_public)}"}
bundle = {"format": "amexist-bundle/1", "jws": token, "log": {"proof": proof}}

with open(os.path.join(folder, "trust.json"), "w") as f:
    json.dump(trust, f)
with open(os.path.join(folder, "token.jws"), "w") as f:
    f.write(token)
with open(os.path.join(folder, "bundle.amexist.json"), "w") as f:
    json.dump(bundle, f, ensure_ascii=False)

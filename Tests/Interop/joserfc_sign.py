"""Signs an attestation with joserfc, as another implementation of the format would.

Usage: joserfc_sign.py OUT_FOLDER ISSUER
Writes OUT_FOLDER/trust.json (the new public key, trusted from 2026-01-01) and
OUT_FOLDER/token.jws (a compact JWS of an AMEXIST credential, typ vc+jwt).
"""
import json
import os
import sys

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
token = jws.serialize_compact(
    {"alg": "EdDSA", "kid": kid, "typ": "vc+jwt"},
    json.dumps(payload, ensure_ascii=False).encode(), key, algorithms=["EdDSA"])
with open(os.path.join(folder, "trust.json"), "w") as f:
    json.dump(trust, f)
with open(os.path.join(folder, "token.jws"), "w") as f:
    f.write(token)

"""Verifies an amexist attestation with joserfc, using only the public JWK from trust.json.

Usage: joserfc_verify.py TRUST_JSON BUNDLE_JSON
Prints the credential id and exits 0 when the signature verifies; exits 1 otherwise.
"""
import json
import sys

from joserfc import jws
from joserfc.jwk import OKPKey, ECKey

import trust_view

trust = trust_view.load(sys.argv[1])
bundle = json.load(open(sys.argv[2]))
token = bundle["jws"]
header = jws.extract_compact(token.encode()).protected
entry = next(k for k in trust["keys"] if k["kid"] == header["kid"])
key = OKPKey.import_key(entry["jwk"]) if entry["jwk"]["kty"] == "OKP" else ECKey.import_key(entry["jwk"])
result = jws.deserialize_compact(token, key, algorithms=[entry["alg"]])
assert result.protected["typ"] == "vc+jwt", result.protected
payload = json.loads(result.payload)
assert payload["issuer"] == trust["issuer"]
print(payload["id"])

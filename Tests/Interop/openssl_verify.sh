#!/usr/bin/env bash
# Verifies the Ed25519 signature of an amexist bundle with openssl, from the public key in
# trust.json converted to PEM by Python's cryptography. Usage: openssl_verify.sh TRUST BUNDLE
set -euo pipefail
trust=$1 bundle=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PYTHONPATH="$(dirname "$0")" python3 - "$trust" "$bundle" "$work" <<'PY'
import base64, json, sys
import trust_view
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
trust, bundle, work = trust_view.load(sys.argv[1]), json.load(open(sys.argv[2])), sys.argv[3]
def b64(text): return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
header, payload, signature = bundle["jws"].split(".")
kid = json.loads(b64(header))["kid"]
jwk = next(k["jwk"] for k in trust["keys"] if k["kid"] == kid)
key = Ed25519PublicKey.from_public_bytes(b64(jwk["x"]))
open(f"{work}/public.pem", "wb").write(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
open(f"{work}/input", "w").write(f"{header}.{payload}")
open(f"{work}/signature", "wb").write(b64(signature))
PY
openssl pkeyutl -verify -pubin -inkey "$work/public.pem" -rawin -in "$work/input" -sigfile "$work/signature"

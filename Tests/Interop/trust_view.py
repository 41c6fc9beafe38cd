"""Reads an amexist trust file as an outside verifier would, from DESIGN.md alone.

amexist-trust/2 ({"root": {"signed", "signatures"}, "registry": {"signed", "signatures"}}): the
root must carry valid Ed25519 signatures, over the canonical JSON of its `signed` member
(members sorted, no white space, UTF-8), by `threshold` distinct keys among its `roots` (C2SP
vkeys, name+hash+base64(0x01 || key), each signature listed as {"keyid": SHA-256 hex of the raw
key, "sig": base64}); the registry list must be signed by one of the root's `registryKeys`. The
values the other checks need (issuer, keys, bodies, log, scheme) are then read from the two
signed parts. An unsigned amexist-trust/1 file is read as it is.
"""
import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def raw_key(vkey):
    _, _, encoded = vkey.split("+", 2)
    data = base64.b64decode(encoded)
    if data[0] != 1 or len(data) != 33:
        raise ValueError("not an Ed25519 vkey")
    return data[1:]


def signers(part, vkeys):
    message = canonical(part["signed"])
    keys = {hashlib.sha256(raw_key(v)).hexdigest(): raw_key(v) for v in vkeys}
    found = set()
    for entry in part["signatures"]:
        raw = keys.get(entry["keyid"])
        if raw is None or raw in found:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(entry["sig"]), message)
        except InvalidSignature:
            continue
        found.add(raw)
    return found


def load(path):
    with open(path, encoding="utf-8") as handle:
        trust = json.load(handle)
    if "root" not in trust:
        return trust
    root = trust["root"]["signed"]
    if root["format"] != "amexist-trust/2":
        raise ValueError("not an amexist-trust/2 root")
    if len(signers(trust["root"], root["roots"])) < root["threshold"]:
        raise ValueError("the root is not signed by its threshold")
    if not signers(trust["registry"], [entry["key"] for entry in root["registryKeys"]]):
        raise ValueError("the registry list is not signed by a delegated key")
    registry = trust["registry"]["signed"]
    return {
        "issuer": root["issuer"], "issuerName": root["issuerName"], "log": root["log"],
        "scheme": root["scheme"], "bodySignedFrom": root["bodySignedFrom"],
        "keys": registry["keys"], "bodies": registry["bodies"],
    }

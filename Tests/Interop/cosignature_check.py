"""Verifies a witness's cosignature from C2SP tlog-cosignature alone, with Python's cryptography.

Usage: cosignature_check.py WITNESS_VKEY NOTE_FILE
The vkey is name+hex(key ID)+base64(0x04 || 32-byte Ed25519 key), the key ID being
SHA-256(name || 0x0A || 0x04 || key)[:4]. The note file is a checkpoint note with the witness's
signature line: base64(key ID || u64 big-endian timestamp || Ed25519 signature) over
"cosignature/v1\\ntime <timestamp>\\n" followed by the note text. Prints "cosigned at T" or exits 1.
"""
import base64
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

name, key_hash, encoded = sys.argv[1].split("+", 2)
data = base64.b64decode(encoded)
assert data[0] == 0x04 and len(data) == 33, "not an Ed25519 cosignature key"
key_id = hashlib.sha256(name.encode() + b"\n" + data).digest()[:4]
assert key_id.hex() == key_hash, "the key ID does not match"
note = open(sys.argv[2], encoding="utf-8").read()
text, _, signatures = note.rpartition("\n\n")
text += "\n"
for line in signatures.splitlines():
    prefix = "\u2014 " + name + " "
    if not line.startswith(prefix):
        continue
    raw = base64.b64decode(line[len(prefix):])
    if raw[:4] != key_id or len(raw) != 4 + 8 + 64:
        continue
    (timestamp,) = struct.unpack(">Q", raw[4:12])
    message = b"cosignature/v1\ntime %d\n" % timestamp + text.encode()
    Ed25519PublicKey.from_public_bytes(data[1:]).verify(raw[12:], message)
    print("cosigned at %d" % timestamp)
    sys.exit(0)
print("no cosignature by this witness")
sys.exit(1)

#!/usr/bin/env python3
"""An independent verifier of a samtykke consent log, written from SPEC.md alone.

It shares no code with the broker or the `samtykke` CLI, so a bug in their Merkle maths, canonical
JSON or signed notes cannot hide itself here. It needs Python 3 and, for Ed25519 only, the
`cryptography` package (pip install cryptography).

    scripts/verify-log.py --server http://127.0.0.1:8080 --auditor-key KEY [--log-key KEY] [--bundle FILE]

What it checks:
  * the checkpoint at /v1/audit/checkpoint is a C2SP signed note by the key at /v1/audit/log-key
    (or --log-key), and a C2SP tlog-checkpoint (origin, size, base64 root);
  * the entries at /v1/audit/entries are served in order 0..size-1, each one the RFC 8785 canonical
    JSON of a v1 entry or a v2 public entry whose "index" is its position (SPEC section 4);
  * the RFC 9162 section 2.1.1 Merkle tree hash of those entries equals the signed root;
  * with --bundle FILE (the broker's {bundle, auditReceipt} answer): the receipt's entry is a
    bundle.issued entry carrying the bundle's SHA-256 (a v2 entry through the receipt's opening, whose
    commitment it recomputes), its checkpoint is signed by the log key, its
    inclusion proof (RFC 9162 section 2.1.3.2) leads to that checkpoint's root, and that root is the
    root of the same number of entries of the log just verified.

Exit status: 0 when everything holds, 1 when the log or bundle does not verify (one line on stderr
saying why), 2 when the log could not be read or the arguments are wrong.
"""

import argparse
import base64
import binascii
import hashlib
import json
import math
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover - reported as a usage problem
    sys.stderr.write("verify-log: needs the cryptography package for Ed25519 (pip install cryptography)\n")
    sys.exit(2)

PAGE = 1000


class Failure(Exception):
    """The log or bundle does not verify."""


class Unreachable(Exception):
    """The log could not be read."""


# --- base64, strictly: one encoding per value, as the signed texts require --------------------

def b64decode(text, what):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not base64")
    if base64.b64encode(raw).decode("ascii") != text:
        raise Failure(f"{what} is not canonical base64")
    return raw


def b64url_decode(text, what):
    """base64url without padding (SPEC section 4's encoding of every binary value of a v2 entry)."""
    if not isinstance(text, str):
        raise Failure(f"{what} is not a string")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not base64url")
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != text:
        raise Failure(f"{what} is not canonical base64url")
    return raw


# --- RFC 9162 section 2.1: the Merkle tree ---------------------------------------------------

def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaf_hashes):
    """MTH(D[n]) of section 2.1.1, over leaf hashes, by the recursive definition."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(mth(leaf_hashes[:k]), mth(leaf_hashes[k:]))


def root_from_inclusion_proof(index, size, leaf, proof):
    """Section 2.1.3.2, steps 1 to 5, returning the root the proof leads to."""
    if index >= size:
        raise Failure(f"inclusion proof index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Failure("inclusion proof is too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Failure("inclusion proof is too short")
    return r


# --- RFC 8785: JSON canonicalization ---------------------------------------------------------

def es_number(x):
    """ECMAScript Number.prototype.toString for a finite double (RFC 8785 section 3.2.2.3)."""
    if isinstance(x, bool):
        raise Failure("boolean where a number was expected")
    if isinstance(x, int):
        x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise Failure("a number is not finite")
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    # repr gives the shortest digits that round-trip, which is what ECMAScript asks for.
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    stripped = digits.lstrip("0")
    n = len(whole) + (int(exponent) if exponent else 0) - (len(digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, str):
        # Python escapes exactly what RFC 8785 escapes (quote, backslash, controls, \u00xx lower case).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(name, ensure_ascii=False) + ":" + canonical(value[name]) for name in names) + "}"
    raise Failure(f"unexpected JSON value {value!r}")


def no_duplicates(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise Failure("an object has a duplicate member name")
    return dict(pairs)


def reject_constant(name):
    raise Failure(f"{name} is not JSON")


def parse_entry(raw, position):
    """The entry at `position`: canonical JSON of an object with the fields of SPEC section 4."""
    try:
        entry = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise Failure(f"entry {position} is not JSON: {error}")
    except Failure as failure:
        raise Failure(f"entry {position}: {failure}")
    if not isinstance(entry, dict):
        raise Failure(f"entry {position} is not a JSON object")
    try:
        again = canonical(entry).encode("utf-8")
    except (Failure, UnicodeEncodeError) as error:
        raise Failure(f"entry {position} cannot be canonical: {error}")
    if again != raw:
        raise Failure(f"entry {position} is not RFC 8785 canonical JSON")
    version = entry.get("v")
    if version == 1:
        fields = {"v", "index", "time", "type", "actor", "consentId", "personId", "bankOrg", "details"}
        if set(entry) != fields:
            raise Failure(f"entry {position} has fields {sorted(entry)}, expected {sorted(fields)}")
        if not isinstance(entry["details"], dict):
            raise Failure(f"entry {position} has no details object")
    elif version == 2:
        # The public entry: nothing in it names anyone; `terms` only on consent.requested.
        fields = {"v", "index", "time", "type", "consent", "subject", "commitment"}
        if set(entry) - {"terms"} != fields or ("terms" in entry) != (entry.get("type") == "consent.requested"):
            raise Failure(f"entry {position} has fields {sorted(entry)}, expected {sorted(fields)} (and terms on consent.requested)")
        for name, size in (("consent", 16), ("subject", 16), ("commitment", 32)):
            if len(b64url_decode(entry[name], f"entry {position}'s {name}")) != size:
                raise Failure(f"entry {position}'s {name} is not {size} bytes")
    else:
        raise Failure(f"entry {position} is version {version!r}, expected 1 or 2")
    if not isinstance(entry["type"], str):
        raise Failure(f"entry {position} has no type")
    if entry["index"] != position or isinstance(entry["index"], bool):
        raise Failure(f"entry {position} says it is entry {entry['index']}: entries were moved or swapped")
    return entry


def opened(entry, opening):
    """A v2 entry's private part, once its opening {index, salt, private} recomputes its commitment."""
    if not isinstance(opening, dict) or opening.get("index") != entry["index"] or not isinstance(opening.get("private"), dict):
        raise Failure(f"entry {entry['index']} is a v2 entry and comes without its opening")
    salt = b64url_decode(opening.get("salt"), f"the salt of entry {entry['index']}")
    if len(salt) != 32:
        raise Failure(f"the salt of entry {entry['index']} is not 32 bytes")
    private = canonical(opening["private"]).encode("utf-8")
    commitment = hashlib.sha256(b"samtykke-entry-v2\n" + salt + private).digest()
    if b64url_decode(entry["commitment"], f"entry {entry['index']}'s commitment") != commitment:
        raise Failure(f"the opening of entry {entry['index']} does not open its commitment")
    return opening["private"]


# --- C2SP signed-note and tlog-checkpoint ----------------------------------------------------

class VerifierKey:
    """<name>+<key id as 8 hex digits>+<base64(0x01 || Ed25519 public key)>."""

    def __init__(self, text):
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0]:
            raise Unreachable(f"log key {text.strip()!r} is not <name>+<key id>+<key>")
        self.name = parts[0]
        try:
            declared = bytes.fromhex(parts[1])
        except ValueError:
            declared = b""
        if len(parts[1]) != 8 or len(declared) != 4:
            raise Unreachable("the log key's id is not 8 hex digits")
        try:
            raw = b64decode(parts[2], "the log key")
        except Failure as failure:
            raise Unreachable(str(failure))
        if len(raw) != 33 or raw[0] != 0x01:
            raise Unreachable("the log key is not an Ed25519 (type 0x01) key")
        self.key_id = hashlib.sha256(self.name.encode("utf-8") + b"\n" + raw).digest()[:4]
        if self.key_id != declared:
            raise Unreachable("the log key's id does not match its name and key")
        self.public_key = Ed25519PublicKey.from_public_bytes(raw[1:])

    def open(self, note):
        """The text of a signed note once a signature of this key verifies over it."""
        if "\n\n" not in note or not note.endswith("\n"):
            raise Failure("the checkpoint is not a signed note (text, blank line, signatures)")
        split = note.rindex("\n\n")
        text, signatures = note[: split + 1], note[split + 2 :]
        verified = False
        for line in signatures[:-1].split("\n"):
            if not line.startswith("\u2014 "):
                raise Failure("a signature line does not start with an em dash")
            fields = line[2:].split(" ")
            if len(fields) != 2:
                raise Failure("a signature line is not '\u2014 <name> <signature>'")
            blob = b64decode(fields[1], "a note signature")
            if fields[0] != self.name or blob[:4] != self.key_id:
                continue
            try:
                self.public_key.verify(blob[4:], text.encode("utf-8"))
            except InvalidSignature:
                raise Failure(f"the signature of {self.name} over the checkpoint does not verify")
            verified = True
        if not verified:
            raise Failure(f"the checkpoint has no signature of {self.name}+{self.key_id.hex()}")
        return text


def parse_checkpoint(text):
    lines = text.split("\n")[:-1]
    if len(lines) < 3:
        raise Failure("the checkpoint has fewer than three lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise Failure(f"checkpoint size {size!r} is not a decimal number")
    root_hash = b64decode(root, "the checkpoint root")
    if len(root_hash) != 32:
        raise Failure("the checkpoint root is not 32 bytes")
    return origin, int(size), root_hash


# --- the broker's HTTP API (SPEC section 2) --------------------------------------------------

class Broker:
    def __init__(self, server, auditor_key):
        self.server = server.rstrip("/")
        self.auditor_key = auditor_key

    def get(self, path, **query):
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url)
        if self.auditor_key:
            request.add_header("Authorization", f"Bearer {self.auditor_key}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise Unreachable(f"GET {path} answered {error.code}: {error.read()[:200].decode('utf-8', 'replace')}")
        except (urllib.error.URLError, OSError) as error:
            raise Unreachable(f"cannot reach {self.server}: {error}")

    def entries(self, start, limit):
        page = json.loads(self.get("/v1/audit/entries", start=start, limit=limit))
        return [(item["index"], b64decode(item["entry"], f"entry {item['index']}")) for item in page["entries"]]


# --- verification ----------------------------------------------------------------------------

def verify_log(broker, key, prefix_size=None):
    """Verifies the whole log; returns (origin, size, root, root of the first prefix_size entries)."""
    origin, size, root = parse_checkpoint(key.open(broker.get("/v1/audit/checkpoint").decode("utf-8")))
    hashes = []
    while len(hashes) < size:
        page = broker.entries(len(hashes), min(PAGE, size - len(hashes)))
        if not page:
            raise Failure(f"entry {len(hashes)} is missing: the log ends after {len(hashes)} entries, the checkpoint covers {size}")
        for index, raw in page[: size - len(hashes)]:
            position = len(hashes)
            if index != position:
                raise Failure(f"entry {position} is missing or out of order: the log served entry {index} in its place")
            parse_entry(raw, position)
            hashes.append(leaf_hash(raw))
    computed = mth(hashes)
    if computed != root:
        raise Failure(
            f"the {size} entries hash to {base64.b64encode(computed).decode()}, "
            f"the signed checkpoint says {base64.b64encode(root).decode()}"
        )
    prefix_root = mth(hashes[:prefix_size]) if prefix_size is not None and prefix_size <= size else None
    return origin, size, root, prefix_root


def load_bundle(path):
    try:
        with open(path, "rb") as handle:
            answer = json.load(handle)
        receipt = answer["auditReceipt"]
        return answer["bundle"], receipt, int(receipt["treeSize"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Unreachable(f"{path} is not a bundle answer {{bundle, auditReceipt}}: {error}")


def verify_receipt(bundle, receipt, key, log_prefix_root):
    index, tree_size = receipt["index"], receipt["treeSize"]
    _, size, root = parse_checkpoint(key.open(receipt["checkpoint"]))
    if size != tree_size:
        raise Failure(f"the receipt's tree size {tree_size} is not its checkpoint's {size}")
    raw = b64decode(receipt["entry"], "the receipt's entry")
    entry = parse_entry(raw, index)
    if entry["type"] != "bundle.issued":
        raise Failure(f"the receipt's entry is {entry['type']}, not bundle.issued")
    details = entry["details"] if entry["v"] == 1 else opened(entry, receipt.get("opening"))["details"]
    digest = hashlib.sha256(bundle.encode("utf-8")).hexdigest()
    if not isinstance(details, dict) or details.get("bundleSha256") != digest:
        raise Failure("the receipt's entry does not carry this bundle's SHA-256")
    proof = [b64decode(h, "an inclusion proof hash") for h in receipt["inclusionProof"]]
    if root_from_inclusion_proof(index, tree_size, leaf_hash(raw), proof) != root:
        raise Failure(f"the inclusion proof of entry {index} does not lead to the receipt's signed root")
    if log_prefix_root is None:
        raise Failure(f"the receipt's tree of {tree_size} entries is larger than the log's signed tree")
    if log_prefix_root != root:
        raise Failure(f"the receipt's root differs from the root of the log's first {tree_size} entries")
    return index, tree_size, digest


def main():
    parser = argparse.ArgumentParser(description="Verify a samtykke consent log (and a bundle's receipt) from SPEC.md alone.")
    parser.add_argument("--server", default=os.environ.get("SAMTYKKE_SERVER"), help="the broker's URL")
    parser.add_argument("--auditor-key", default=os.environ.get("SAMTYKKE_AUDITOR_KEY"), help="auditor key (or SAMTYKKE_AUDITOR_KEY)")
    parser.add_argument("--log-key", help="the log's verifier key (default: the one the broker publishes)")
    parser.add_argument("--bundle", help="a bundle answer {bundle, auditReceipt} whose receipt to verify too")
    args = parser.parse_args()
    if not args.server or not args.auditor_key:
        parser.error("--server and --auditor-key (or SAMTYKKE_SERVER, SAMTYKKE_AUDITOR_KEY) are required")

    broker = Broker(args.server, args.auditor_key)
    try:
        key = VerifierKey(args.log_key or broker.get("/v1/audit/log-key").decode("utf-8"))
        bundle = load_bundle(args.bundle) if args.bundle else None
        origin, size, root, prefix_root = verify_log(broker, key, bundle[2] if bundle else None)
        print(f"log: {origin}")
        print(f"entries: {size}, each canonical and in its place")
        print(f"root: {base64.b64encode(root).decode()}")
        print(f"signed by: {key.name}+{key.key_id.hex()}")
        if bundle:
            index, tree_size, digest = verify_receipt(bundle[0], bundle[1], key, prefix_root)
            print(f"bundle: sha256 {digest} is entry {index} of the signed tree of {tree_size} entries")
        print("OK")
    except Failure as failure:
        sys.stderr.write(f"verify-log: FAIL: {failure}\n")
        return 1
    except Unreachable as problem:
        sys.stderr.write(f"verify-log: {problem}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks a samtykke log as any C2SP tlog-tiles client sees it, written from the C2SP specs alone
(tlog-tiles, tlog-checkpoint, signed-note) and RFC 9162, sharing nothing with the broker.

    scripts/verify-tiles.py --server http://127.0.0.1:8080 --auditor-key KEY [--log-key VKEY]

It fetches <server>/v1/audit/tlog/checkpoint, every hash tile at every level the checkpoint's tree
has, and every entry bundle (with the auditor key: entries name people), then checks that
  * each level-L tile hash is the Merkle root of the 256 hashes of the level-(L-1) tile beneath it;
  * the root folded from the tiles (the tree's right edge, each subtree read from the highest
    tile level it spans) equals the checkpoint's root;
  * each bundle holds exactly its tile's entries, each one length-prefixed, whose leaf hashes are
    the level-0 tile's hashes and whose "index" is its position;
  * the RFC 9162 root recomputed from the entries alone equals the checkpoint's root too;
  * the checkpoint's Ed25519 signature verifies with the log key (the broker's /v1/audit/log-key,
    or --log-key), when the `cryptography` package is installed; without it this is skipped and
    said so.

Exit status: 0 when all of it holds, 1 when something does not (one line on stderr), 2 when the
log could not be read or the arguments are wrong.
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

TILE_WIDTH = 256
HASH_SIZE = 32


class Mismatch(Exception):
    """The log does not verify."""


class Unreadable(Exception):
    """The log could not be fetched."""


def sha256(data):
    return hashlib.sha256(data).digest()


def hash_leaf(entry):
    return sha256(b"\x00" + entry)


def hash_children(left, right):
    return sha256(b"\x01" + left + right)


def merkle_root(hashes):
    """RFC 9162 section 2.1.1 MTH over already-hashed leaves, split at the largest power of two
    below n; iteratively, level by level, which gives the same tree."""
    if not hashes:
        return sha256(b"")
    level = list(hashes)
    while len(level) > 1:
        paired = [hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def tile_index_path(index):
    """tlog-tiles: decimal, zero-padded to a multiple of three digits, in three-digit path
    elements, all but the last prefixed with x."""
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    parts = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + p for p in parts[:-1]] + [parts[-1]])


def tile_path(index, width):
    return tile_index_path(index) + ("" if width == TILE_WIDTH else f".p/{width}")


def tile_widths(count):
    """(tile index, width) of the tiles holding `count` hashes of one level."""
    full, rest = divmod(count, TILE_WIDTH)
    return [(n, TILE_WIDTH) for n in range(full)] + ([(full, rest)] if rest else [])


class Log:
    def __init__(self, server, auditor_key):
        self.base = server.rstrip("/") + "/v1/audit"
        self.auditor_key = auditor_key

    def get(self, path, auditor=False):
        request = urllib.request.Request(self.base + path)
        if auditor:
            request.add_header("Authorization", f"Bearer {self.auditor_key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read()
        except urllib.error.HTTPError as error:
            raise Unreadable(f"GET {path}: HTTP {error.code}")
        except (urllib.error.URLError, OSError) as error:
            raise Unreadable(f"GET {path}: {error}")


def strict_b64(text, what):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Mismatch(f"{what} is not base64")
    if base64.b64encode(raw).decode() != text:
        raise Mismatch(f"{what} is not canonical base64")
    return raw


def parse_note(data):
    """signed-note: text ending in a newline, a blank line, then signature lines
    "\u2014 <name> <base64(key id || signature)>"."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Mismatch("the checkpoint is not UTF-8")
    body, separator, signatures = text.partition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise Mismatch("the checkpoint is not a signed note")
    lines = []
    for line in signatures[:-1].split("\n"):
        dash, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        if dash != "\u2014" or not name or not blob:
            raise Mismatch(f"the checkpoint has a malformed signature line: {line!r}")
        lines.append((name, strict_b64(blob, "a note signature")))
    return body + "\n", lines


def parse_checkpoint(note_text):
    """tlog-checkpoint: origin, decimal size, base64 root, then optional extension lines."""
    lines = note_text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise Mismatch("the checkpoint lacks an origin, a size or a root")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise Mismatch(f"the checkpoint's size {size_text!r} is not a decimal")
    root = strict_b64(root_text, "the checkpoint's root")
    if len(root) != HASH_SIZE:
        raise Mismatch("the checkpoint's root is not 32 bytes")
    return origin, int(size_text), root


def check_signature(note_text, signatures, vkey):
    """Ed25519 per signed-note: vkey is <name>+<hex key id>+<base64(0x01 || public key)>, the key
    id is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return "not checked (no cryptography package)"
    name, key_id_hex, key_text = (vkey.split("+", 2) + ["", ""])[:3]
    key = strict_b64(key_text, "the log key")
    if len(key) != 33 or key[0] != 0x01:
        raise Mismatch("the log key is not an Ed25519 note key")
    key_id = sha256(name.encode() + b"\n" + key)[:4]
    if key_id.hex() != key_id_hex:
        raise Mismatch("the log key's id does not match its name and key")
    for signer, blob in signatures:
        if signer == name and blob[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(key[1:]).verify(blob[4:], note_text.encode())
            except (InvalidSignature, ValueError):
                raise Mismatch("the checkpoint's signature does not verify with the log key")
            return f"Ed25519 by {name}, verified"
    raise Mismatch(f"the checkpoint carries no signature by {name}")


def fetch_tiles(log, size):
    """Every hash tile of the tree of `size` leaves: {level: [hashes of that tree level 8*level]}."""
    levels = {}
    level = 0
    while size >> (8 * level):
        hashes = []
        for index, width in tile_widths(size >> (8 * level)):
            data = log.get(f"/tlog/tile/{level}/{tile_path(index, width)}")
            if len(data) != width * HASH_SIZE:
                raise Mismatch(f"tile {level}/{tile_path(index, width)} has {len(data)} bytes, not {width * HASH_SIZE}")
            hashes += [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        levels[level] = hashes
        level += 1
    return levels


def check_tile_levels(levels):
    for level in sorted(levels)[1:]:
        below = levels[level - 1]
        for index, upper in enumerate(levels[level]):
            if merkle_root(below[index * TILE_WIDTH:(index + 1) * TILE_WIDTH]) != upper:
                raise Mismatch(f"hash {index} of level-{level} tiles is not the root of level-{level - 1} tile {index}")


def root_from_tiles(levels, size):
    """The RFC 9162 root as a tile client gets it: one perfect subtree per set bit of `size`,
    left to right, each computed from the hashes of the highest tile level it spans."""
    if size == 0:
        return sha256(b"")
    edge = []
    start = 0
    for height in reversed(range(size.bit_length())):
        if not size >> height & 1:
            continue
        tile_level = height // 8
        span = 1 << (height - 8 * tile_level)
        first = start >> (8 * tile_level)
        edge.append(merkle_root(levels[tile_level][first:first + span]))
        start += 1 << height
    root = edge[-1]
    for left in reversed(edge[:-1]):
        root = hash_children(left, root)
    return root


def fetch_entries(log, size, leaf_tile_hashes):
    """Every entry, from the bundles, each checked against its level-0 tile hash and its place."""
    entries = []
    for index, width in tile_widths(size):
        path = f"/tlog/tile/entries/{tile_path(index, width)}"
        data = log.get(path, auditor=True)
        offset = 0
        while offset < len(data):
            if offset + 2 > len(data):
                raise Mismatch(f"bundle {path} ends inside a length prefix")
            length = int.from_bytes(data[offset:offset + 2], "big")
            entry = data[offset + 2:offset + 2 + length]
            if len(entry) != length:
                raise Mismatch(f"bundle {path} ends inside an entry")
            position = len(entries)
            if position >= index * TILE_WIDTH + width:
                raise Mismatch(f"bundle {path} holds more than {width} entries")
            if hash_leaf(entry) != leaf_tile_hashes[position]:
                raise Mismatch(f"entry {position} does not hash to its level-0 tile hash")
            try:
                stated = json.loads(entry).get("index")
            except (ValueError, AttributeError):
                raise Mismatch(f"entry {position} is not a JSON object")
            if stated != position:
                raise Mismatch(f"entry {position} says it is entry {stated}")
            entries.append(entry)
            offset += 2 + length
        if len(entries) != index * TILE_WIDTH + width:
            raise Mismatch(f"bundle {path} holds {len(entries) - index * TILE_WIDTH} entries, not {width}")
    return entries


def verify(log, vkey):
    note_text, signatures = parse_note(log.get("/tlog/checkpoint"))
    origin, size, root = parse_checkpoint(note_text)
    signature = check_signature(note_text, signatures, vkey)
    levels = fetch_tiles(log, size)
    check_tile_levels(levels)
    tiles_root = root_from_tiles(levels, size)
    if tiles_root != root:
        raise Mismatch("the root from the hash tiles is not the checkpoint's root")
    entries = fetch_entries(log, size, levels.get(0, []))
    entries_root = merkle_root([hash_leaf(entry) for entry in entries])
    if entries_root != root:
        raise Mismatch("the root from the entry bundles is not the checkpoint's root")
    print(f"checkpoint: {origin}, {size} entries")
    print(f"signature: {signature}")
    print(f"tiles: {sum(len(tile_widths(len(h))) for h in levels.values())} at {len(levels)} levels, consistent")
    print(f"entries: {len(entries)} from {len(tile_widths(size))} bundles, each hashing to its tile")
    print(f"root: {base64.b64encode(root).decode()}")


def main():
    parser = argparse.ArgumentParser(description="Verify a samtykke log through its C2SP tlog-tiles.")
    parser.add_argument("--server", default=os.environ.get("SAMTYKKE_SERVER"), help="the broker's URL")
    parser.add_argument("--auditor-key", default=os.environ.get("SAMTYKKE_AUDITOR_KEY"), help="auditor key (or SAMTYKKE_AUDITOR_KEY)")
    parser.add_argument("--log-key", help="the log's note verifier key (default: the one the broker publishes)")
    arguments = parser.parse_args()
    if not arguments.server or not arguments.auditor_key:
        parser.error("--server and --auditor-key are required")
    log = Log(arguments.server, arguments.auditor_key)
    try:
        vkey = arguments.log_key or log.get("/log-key").decode().strip()
        verify(log, vkey)
    except Mismatch as failure:
        sys.stderr.write(f"verify-tiles: FAIL: {failure}\n")
        return 1
    except Unreadable as failure:
        sys.stderr.write(f"verify-tiles: cannot read the log: {failure}\n")
        return 2
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

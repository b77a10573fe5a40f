"""Encryption at rest and keyed hashing for personal identifiers (ID numbers).

AES-256-GCM with a random nonce: the stored bytes reveal nothing and differ for equal numbers. Matching
(imports, duplicates) uses an HMAC-SHA256 under a second key, so the hash cannot be reversed by hashing
every possible ID number without that key.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE_BYTES = 12


@cache
def _aead() -> AESGCM:
    return AESGCM(base64.urlsafe_b64decode(settings.ID_ENCRYPTION_KEY))


@cache
def _hash_key() -> bytes:
    return base64.urlsafe_b64decode(settings.ID_HASH_KEY)


def encrypt_text(text: str) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _aead().encrypt(nonce, text.encode(), None)


def decrypt_text(blob: bytes) -> str:
    blob = bytes(blob)
    return _aead().decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], None).decode()


@cache
def _hmac_template() -> "hmac.HMAC":
    return hmac.new(_hash_key(), digestmod=hashlib.sha256)


def keyed_hash(text: str) -> str:
    # Copying a keyed template skips re-deriving the inner and outer keys: ~3x faster over millions of IDs.
    mac = _hmac_template().copy()
    mac.update(text.encode())
    return mac.hexdigest()


@cache
def _hmac_pads() -> tuple["hashlib._Hash", "hashlib._Hash"]:
    """SHA-256 states after the inner and outer padded key blocks: HMAC (RFC 2104) spelled out, so that a
    batch hashes each value with two state copies and no per-value key set-up."""
    key = _hash_key()
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def keyed_hashes(texts: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    """`keyed_hash` of every value of a string array (nulls stay null), about twice as fast per value.

    Callers hash each distinct value once: a person appears in many rows of a department file."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    inner, outer = _hmac_pads()

    def one(message: bytes) -> str:
        digest = inner.copy()
        digest.update(message)
        result = outer.copy()
        result.update(digest.digest())
        return result.hexdigest()

    present = texts.drop_null()
    hashes = pa.array(list(map(one, pc.cast(present, pa.binary()).to_pylist())), pa.string())
    if texts.null_count == 0:
        return hashes
    positions = pc.subtract(pc.cumulative_sum(pc.cast(texts.is_valid(), pa.int64())), 1)
    return hashes.take(pc.if_else(texts.is_valid(), positions, pa.scalar(None, pa.int64())))

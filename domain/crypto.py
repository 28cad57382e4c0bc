"""Field-level encryption for personal data, with a keyed hash for lookups.

ID numbers and phone numbers are stored encrypted with AES-256-GCM. Because every
encryption uses a fresh nonce, the ciphertext cannot be searched, so each such column
gets a companion "blind index": an HMAC of the value under a separate key. Equal
values give equal indexes, which is enough for uniqueness checks and exact lookups,
and without the key the index reveals nothing.

Both keys are derived from the application secret with HKDF under different labels,
so neither key can be computed from the other and one secret is all there is to manage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from functools import lru_cache
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_PREFIX = f"{_VERSION}:"
_NONCE_BYTES = 12  # the size GCM is designed around; anything else costs an extra hash
_TAG_BYTES = 16
_SALT = b"suixing/field-cipher"
_ENCRYPTION_INFO = b"suixing/field-encryption/v1"
_INDEX_INFO = b"suixing/blind-index/v1"


class _HasSecretKey(Protocol):
    @property
    def secret_key(self) -> str: ...


class FieldCipher:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        material = secret_key.encode("utf-8")
        self._aead = AESGCM(_derive(material, _ENCRYPTION_INFO))
        self._index_key = _derive(material, _INDEX_INFO)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt to URL-safe text of the form ``v1:<base64url(nonce + ciphertext)>``."""
        nonce = os.urandom(_NONCE_BYTES)
        # The version is authenticated too, so a token cannot be relabelled to another scheme.
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _VERSION.encode())
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")

    def decrypt(self, token: str) -> str:
        """Recover the plaintext; ``ValueError`` if the token was altered or the key is wrong."""
        if not token.startswith(_PREFIX):
            raise ValueError("Unknown ciphertext format.")
        body = token[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise ValueError("Ciphertext is not valid base64.") from None
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise ValueError("Ciphertext is too short.")
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        try:
            plain = self._aead.decrypt(nonce, sealed, _VERSION.encode())
        except InvalidTag:
            raise ValueError("Ciphertext was altered or encrypted under another key.") from None
        return plain.decode("utf-8")

    def blind_index(self, value: str) -> str:
        """Hex HMAC-SHA256 of the normalised value, for equality lookups on encrypted columns.

        Callers should pass canonical values (``parse_resident_id(...).number``,
        ``normalize_phone(...)``); the normalisation here only absorbs incidental
        differences - character width, surrounding whitespace, letter case - so the same
        person is never indexed twice.
        """
        canonical = unicodedata.normalize("NFKC", value).strip().upper()
        return hmac.new(self._index_key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def cipher_for(settings: _HasSecretKey) -> FieldCipher:
    """The cipher for these settings; built once per secret, since key derivation is not free."""
    return _cipher_for_key(settings.secret_key)


@lru_cache(maxsize=8)
def _cipher_for_key(secret_key: str) -> FieldCipher:
    return FieldCipher(secret_key)


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(material)

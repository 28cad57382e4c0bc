from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from argon2 import PasswordHasher

from domain.crypto import FieldCipher, cipher_for
from domain.passwords import hash_password, needs_rehash, validate_password_strength, verify_password
from domain.settings import Settings

SECRET = "test-secret-for-field-cipher"


@pytest.fixture(scope="module")
def cipher() -> FieldCipher:
    return FieldCipher(SECRET)


@pytest.mark.parametrize("text", ["11010519491231002X", "13800138000", "阿依古丽·买买提", ""])
def test_round_trip(cipher: FieldCipher, text: str) -> None:
    assert cipher.decrypt(cipher.encrypt(text)) == text


def test_token_is_versioned_url_safe_text(cipher: FieldCipher) -> None:
    token = cipher.encrypt("13800138000")
    assert token.startswith("v1:")
    assert set(token[3:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_same_text_encrypts_differently_each_time(cipher: FieldCipher) -> None:
    assert cipher.encrypt("13800138000") != cipher.encrypt("13800138000")


def test_plaintext_does_not_appear_in_token(cipher: FieldCipher) -> None:
    assert "13800138000" not in cipher.encrypt("13800138000")


def _flip_byte(token: str, index: int) -> str:
    body = token[3:]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[index] ^= 0x01
    return "v1:" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize("index", [0, 12, -1])  # nonce, ciphertext, tag
def test_tampered_token_raises(cipher: FieldCipher, index: int) -> None:
    token = cipher.encrypt("11010519491231002X")
    with pytest.raises(ValueError):
        cipher.decrypt(_flip_byte(token, index))


@pytest.mark.parametrize("token", ["", "v1:", "v1:abc", "v2:AAAA", "not a token", "v1:!!!!"])
def test_malformed_token_raises(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(ValueError):
        cipher.decrypt(token)


def test_wrong_key_raises(cipher: FieldCipher) -> None:
    token = cipher.encrypt("11010519491231002X")
    with pytest.raises(ValueError):
        FieldCipher("another-secret").decrypt(token)


def test_empty_secret_refused() -> None:
    with pytest.raises(ValueError):
        FieldCipher("")


def test_blind_index_is_stable(cipher: FieldCipher) -> None:
    first = cipher.blind_index("11010519491231002X")
    assert first == cipher.blind_index("11010519491231002X")
    assert first == FieldCipher(SECRET).blind_index("11010519491231002X")
    assert len(first) == 64 and int(first, 16) >= 0


def test_blind_index_absorbs_incidental_differences(cipher: FieldCipher) -> None:
    assert cipher.blind_index(" 11010519491231002x ") == cipher.blind_index("11010519491231002X")
    assert cipher.blind_index("１３８００１３８０００") == cipher.blind_index("13800138000")


def test_blind_index_distinguishes_values(cipher: FieldCipher) -> None:
    assert cipher.blind_index("13800138000") != cipher.blind_index("13800138001")


def test_blind_index_depends_on_key(cipher: FieldCipher) -> None:
    assert cipher.blind_index("13800138000") != FieldCipher("another-secret").blind_index("13800138000")


def test_blind_index_key_is_separate_from_encryption_key(cipher: FieldCipher) -> None:
    # The index must not be a plain hash (guessable) nor an HMAC under the raw secret (key reuse).
    value = "13800138000"
    assert cipher.blind_index(value) != hashlib.sha256(value.encode()).hexdigest()
    assert cipher.blind_index(value) != hmac.new(SECRET.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_cipher_for_caches_per_secret() -> None:
    a = cipher_for(Settings(secret_key="one"))
    assert cipher_for(Settings(secret_key="one")) is a
    assert cipher_for(Settings(secret_key="two")) is not a
    assert cipher_for(Settings(secret_key="two")).decrypt(FieldCipher("two").encrypt("x")) == "x"


# Passwords


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse 9")


def test_password_hash_is_argon2id(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert "correct horse 9" not in stored


def test_password_verifies(stored: str) -> None:
    assert verify_password(stored, "correct horse 9")


def test_wrong_password_rejected_without_raising(stored: str) -> None:
    assert verify_password(stored, "correct horse 8") is False
    assert verify_password(stored, "") is False


def test_corrupt_hash_is_a_failed_check() -> None:
    assert verify_password("not-a-hash", "correct horse 9") is False


def test_same_password_hashes_differently(stored: str) -> None:
    assert hash_password("correct horse 9") != stored


def test_needs_rehash(stored: str) -> None:
    assert needs_rehash(stored) is False
    assert needs_rehash(PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse 9")) is True
    assert needs_rehash("not-a-hash") is True


@pytest.mark.parametrize("password", ["abcdefg1", "密码很长很长很长1", "x" * 127 + "1"])
def test_strong_enough_passwords_pass(password: str) -> None:
    validate_password_strength(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abc1234", "at least 8"),
        ("a" * 128 + "1", "at most 128"),
        ("12345678", "letter"),
        ("abcdefgh", "digit"),
    ],
)
def test_weak_passwords_rejected(password: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_password_strength(password)

"""Password hashing with argon2id.

argon2id is memory-hard, so guessing at scale needs memory as well as compute, which
is what makes GPU and ASIC cracking expensive. The cost below (2 passes over 19 MiB,
one lane) follows the OWASP minimum for argon2id and takes a few tens of milliseconds,
cheap enough for a sign-in but slow for an attacker. Raising it later is safe:
``needs_rehash`` reports hashes made with the old cost so they can be upgraded at the
next successful sign-in.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128  # long enough for passphrases, short enough that hashing cannot be abused

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """Hash with a fresh random salt; the result records its own parameters."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True if ``password`` matches ``stored``. A wrong password or a corrupt hash is just False."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True if ``stored`` was made with other parameters (or cannot be read) and should be replaced."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def validate_password_strength(password: str) -> None:
    """Reject passwords that are too short, too long, or lack a letter or a digit."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"Password must be at least {MIN_LENGTH} characters long.")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"Password must be at most {MAX_LENGTH} characters long.")
    if not any(ch.isalpha() for ch in password):
        raise ValueError("Password must contain at least one letter.")
    if not any(ch.isdigit() for ch in password):
        raise ValueError("Password must contain at least one digit.")

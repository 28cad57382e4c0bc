"""The chain's hashing rules: one canonical text per payload, and block hashes anyone can
recompute with nothing but SHA-256."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.audit import GENESIS, block_hash, canonical_json, sha256_hex


def test_canonical_json_sorts_keys_drops_spaces_and_writes_decimals_as_strings():
    payload = {"b": 1, "a": Decimal("1.50"), "c": [date(2026, 1, 5)], "d": {"z": None, "y": True}}
    assert canonical_json(payload) == '{"a":"1.50","b":1,"c":["2026-01-05"],"d":{"y":true,"z":null}}'


def test_canonical_json_is_the_same_whatever_order_the_keys_were_given_in():
    assert canonical_json({"x": 1, "y": 2}) == canonical_json({"y": 2, "x": 1})


def test_canonical_json_keeps_chinese_text_as_utf8_rather_than_escapes():
    assert canonical_json({"reason": "逾期"}) == '{"reason":"逾期"}'


def test_timestamps_are_written_in_utc():
    at = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert canonical_json({"at": at}) == '{"at":"2026-01-05T08:30:00+00:00"}'


def test_values_without_a_canonical_form_are_refused():
    with pytest.raises(ValueError):
        canonical_json({"pd": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"thing": object()})


def test_a_block_hash_is_sha256_of_its_header_written_out_by_hand():
    payload_hash = hashlib.sha256(b'{"outcome":"APPROVED"}').hexdigest()
    assert sha256_hex('{"outcome":"APPROVED"}') == payload_hash
    header = ('{"at":"2026-01-05T00:00:00.000000Z","kind":"CREDIT_DECISION","payload":"' + payload_hash
              + '","prev":"' + "0" * 64 + '","seq":1}')
    expected = hashlib.sha256(header.encode()).hexdigest()
    assert block_hash(1, "CREDIT_DECISION", GENESIS, payload_hash, "2026-01-05T00:00:00.000000Z") == expected


def test_every_part_of_the_header_changes_the_hash():
    base = (1, "CREDIT_DECISION", GENESIS, "a" * 64, "2026-01-05T00:00:00.000000Z")
    variants = [
        (2, *base[1:]),
        (base[0], "LIMIT_CHANGE", *base[2:]),
        (*base[:2], "f" * 64, *base[3:]),
        (*base[:3], "b" * 64, base[4]),
        (*base[:4], "2026-01-05T00:00:00.000001Z"),
    ]
    hashes = {block_hash(*base)} | {block_hash(*v) for v in variants}
    assert len(hashes) == 6

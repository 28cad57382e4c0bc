"""Borrower tokens are signed, expire and can be revoked; failed sign-ins are slowed, then refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import ValidationFailed
from domain.identity import make_resident_id
from domain.models import Borrower, BorrowerSession, BorrowerSignInThrottle
from domain.passwords import hash_password
from domain.services import auth
from domain.services.calendar import utcnow
from domain.settings import load_settings
from tests.api._server import Api
from tests.factories import make_borrower, phone_for

SETTINGS = load_settings({}, secret_key="test-secret")
REGISTER = """mutation($i: RegisterBorrowerInput!) { registerBorrower(input: $i) {
  __typename ... on BorrowerRegistered { token } ... on Error { code message } } }"""
SIGN_IN = """mutation($p: String!, $w: String!) { signIn(phone: $p, password: $w) {
  __typename ... on SignedIn { token } ... on Error { code message } ... on TooManyAttempts { retryAfterSeconds } } }"""
PHONE, PASSWORD = "13611112222", "right-pass-7"


async def register(api: Api, phone: str = PHONE, seq: str = "031") -> str:
    result = (await api.data(REGISTER, {"i": {
        "phone": phone, "name": "钱七", "idNumber": make_resident_id("440305", date(1995, 8, 8), seq),
        "password": PASSWORD, "agreementVersion": "2026-01",
    }}))["registerBorrower"]
    assert result["__typename"] == "BorrowerRegistered", result
    return result["token"]


def test_a_token_is_accepted_only_as_signed_and_before_it_expires():
    later = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    token = auth.issue_token(auth.TokenClaims("abc123", 7, later), SETTINGS)
    assert auth.read_token(token, SETTINGS) == auth.TokenClaims("abc123", 7, later)
    version, session, borrower, expiry, signature = token.split(".")
    assert auth.read_token(".".join([version, session, "8", expiry, signature]), SETTINGS) is None
    assert auth.read_token(".".join([version, session, borrower, str(later + 1), signature]), SETTINGS) is None
    assert auth.read_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), SETTINGS) is None
    assert auth.read_token(token, load_settings({}, secret_key="another-secret")) is None
    assert auth.read_token(token, SETTINGS, now=datetime.now(UTC) + timedelta(hours=2)) is None
    assert auth.read_token("garbage", SETTINGS) is None


async def test_registration_stores_an_argon2id_hash_and_the_consent(api: Api):
    await register(api)
    borrower = await Borrower.get()
    assert borrower.password_hash.startswith("$argon2id$") and PASSWORD not in borrower.password_hash
    assert borrower.agreement_version == "2026-01"
    assert abs((utcnow() - borrower.consented_at).total_seconds()) < 300


async def test_a_signed_out_token_no_longer_works(api: Api):
    token = await register(api)
    assert (await api.data("{ me { name } }", token=token))["me"]["name"] == "钱七"
    assert (await api.data("mutation { signOut { __typename } }", token=token))["signOut"]["__typename"] == "SignedOut"
    assert (await api.data("{ me { name } }", token=token))["me"] is None
    drawn = (await api.data('mutation { drawdown(input: {amount: "100.00", method: DAILY_INTEREST, termDays: 10, '
                            'idempotencyKey: "x"}) { __typename ... on Error { message } } }', token=token))
    assert drawn["drawdown"]["__typename"] == "NotAllowed" and "revoked" in drawn["drawdown"]["message"]


async def test_signing_out_everywhere_ends_every_session(api: Api):
    first = await register(api)
    second = (await api.data(SIGN_IN, {"p": PHONE, "w": PASSWORD}))["signIn"]["token"]
    await api.data("mutation { signOut(everywhere: true) { __typename } }", token=second)
    for token in (first, second):
        assert (await api.data("{ me { name } }", token=token))["me"] is None


async def test_an_expired_session_no_longer_works(api: Api):
    token = await register(api)
    await BorrowerSession.all().update(expires_at=utcnow() - timedelta(seconds=1))
    assert (await api.data("{ me { name } }", token=token))["me"] is None


async def test_five_failed_sign_ins_lock_the_phone_out_even_for_the_right_password(api: Api):
    await register(api)
    for _ in range(5):
        failed = (await api.data(SIGN_IN, {"p": PHONE, "w": "wrong-pass-0"}))["signIn"]
        assert failed["__typename"] == "ValidationError"
    refused = (await api.data(SIGN_IN, {"p": PHONE, "w": PASSWORD}))["signIn"]
    assert refused["__typename"] == "TooManyAttempts" and refused["code"] == "TOO_MANY_ATTEMPTS"
    assert 0 < refused["retryAfterSeconds"] <= 15 * 60 + 1
    # Another phone is not affected.
    await register(api, "13611113333", "033")
    assert (await api.data(SIGN_IN, {"p": "13611113333", "w": PASSWORD}))["signIn"]["__typename"] == "SignedIn"
    # Once the lock-out has passed, the right password works again.
    await BorrowerSignInThrottle.all().update(locked_until=utcnow() - timedelta(seconds=1))
    assert (await api.data(SIGN_IN, {"p": PHONE, "w": PASSWORD}))["signIn"]["__typename"] == "SignedIn"


async def test_a_successful_sign_in_clears_the_failures(api: Api):
    await register(api)
    for _ in range(4):
        await api.data(SIGN_IN, {"p": PHONE, "w": "wrong-pass-0"})
    assert (await api.data(SIGN_IN, {"p": PHONE, "w": PASSWORD}))["signIn"]["__typename"] == "SignedIn"
    for _ in range(4):
        assert (await api.data(SIGN_IN, {"p": PHONE, "w": "wrong-pass-0"}))["signIn"]["__typename"] == "ValidationError"


async def test_unknown_phones_are_throttled_like_known_ones(api: Api):
    for _ in range(5):
        await api.data(SIGN_IN, {"p": "13999999999", "w": "whatever-1"})
    assert (await api.data(SIGN_IN, {"p": "13999999999", "w": "whatever-1"}))["signIn"]["__typename"] == \
        "TooManyAttempts"


async def test_each_failed_sign_in_waits_twice_as_long_as_the_last_up_to_a_cap(db, monkeypatch):
    await make_borrower(n=4242, password_hash=hash_password(PASSWORD))
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("domain.services.auth.asyncio.sleep", fake_sleep)
    settings = load_settings({}, sign_in_delay_ms=250, sign_in_delay_max_ms=800, sign_in_max_failures=10)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            await auth.sign_in(phone_for(4242), "wrong-pass-0", settings)
    assert slept == [0.25, 0.5, 0.8, 0.8, 0.8]

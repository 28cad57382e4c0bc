"""Every expected failure comes back as a typed member of the mutation's result union, with a
code and a message, and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from domain.identity import make_resident_id
from domain.models import CreditLine, IdempotencyRecord, Loan, Repayment
from tests.api._server import SOUND_APPLICATION, Api, borrower_with_line, loan_id, signed_in
from tests.factories import make_borrower, make_loan

RESULT = """
  __typename
  ... on Error { code message }
  ... on ValidationError { field }
"""
REGISTER = f"mutation($i: RegisterBorrowerInput!) {{ registerBorrower(input: $i) {{ {RESULT} }} }}"
SIGN_IN = f"mutation($p: String!, $w: String!) {{ signIn(phone: $p, password: $w) {{ {RESULT} }} }}"
APPLY = f"mutation($i: CreditApplicationInput!) {{ applyForCredit(input: $i) {{ {RESULT} }} }}"
DRAW = (f"mutation($i: DrawdownInput!) {{ drawdown(input: $i) {{ {RESULT} "
        "... on InsufficientCredit { available } } }")
REPAY = f"mutation($i: RepayInput!) {{ repay(input: $i) {{ {RESULT} }} }}"
SIGN_OUT = "mutation { signOut { __typename ... on Error { code message } } }"


GOOD_ID = make_resident_id("110105", date(1991, 2, 3), "017")
BAD_CHECK = GOOD_ID[:-1] + next(c for c in "0123456789X" if c != GOOD_ID[-1])


def person(**changes) -> dict:
    return {"phone": "13700001111", "name": "赵六", "idNumber": GOOD_ID,
            "password": "good-pass-42", "agreementVersion": "2026-01", **changes}


async def counts() -> tuple[int, ...]:
    return (await Loan.all().count(), await Repayment.all().count(), await IdempotencyRecord.all().count(),
            sum(line.used_fen for line in await CreditLine.all()))


@pytest.mark.parametrize("changes, field", [
    ({"idNumber": BAD_CHECK}, "idNumber"),
    ({"idNumber": make_resident_id("110105", date(2010, 2, 3), "017")}, "idNumber"),
    ({"phone": "12345"}, "phone"),
    ({"name": ""}, "name"),
    ({"password": "short"}, "password"),
    ({"agreementVersion": " "}, "agreementVersion"),
])
async def test_a_registration_with_bad_details_is_a_validation_error_naming_the_field(api: Api, changes, field):
    result = (await api.data(REGISTER, {"i": person(**changes)}))["registerBorrower"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == field and result["code"] and result["message"]


async def test_a_phone_can_register_only_once(api: Api):
    first = (await api.data(REGISTER, {"i": person()}))["registerBorrower"]
    assert first["__typename"] == "BorrowerRegistered"
    again = (await api.data(REGISTER, {"i": person(idNumber=make_resident_id("110105", date(1991, 2, 3), "019"))}))
    assert again["registerBorrower"]["__typename"] == "ValidationError"
    assert again["registerBorrower"]["field"] == "phone"


async def test_a_wrong_password_is_a_validation_error(api: Api):
    await api.data(REGISTER, {"i": person()})
    result = (await api.data(SIGN_IN, {"p": "13700001111", "w": "wrong-pass-1"}))["signIn"]
    assert result["__typename"] == "ValidationError" and result["code"] == "VALIDATION_ERROR"


async def test_applying_needs_a_signed_in_borrower_without_a_line(api: Api):
    anonymous = (await api.data(APPLY, {"i": SOUND_APPLICATION}))["applyForCredit"]
    assert anonymous["__typename"] == "NotAllowed"
    _, token = await borrower_with_line()
    again = (await api.data(APPLY, {"i": SOUND_APPLICATION}, token))["applyForCredit"]
    assert again["__typename"] == "NotAllowed" and "already" in again["message"]


@pytest.mark.parametrize("income", ["12.345", "1e4", "-3000.00", "ten thousand"])
async def test_an_application_with_a_malformed_income_is_a_validation_error(api: Api, income):
    token = await signed_in(await make_borrower())
    result = (await api.data(APPLY, {"i": {**SOUND_APPLICATION, "monthlyIncome": income}}, token))["applyForCredit"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "monthlyIncome")
    assert await CreditLine.all().count() == 0


def draw(amount="500.00", key="k-1", **extra) -> dict:
    return {"i": {"amount": amount, "method": "EQUAL_INSTALLMENT", "termMonths": 3, "idempotencyKey": key, **extra}}


async def test_drawing_needs_a_signed_in_borrower_with_a_line(api: Api):
    assert (await api.data(DRAW, draw()))["drawdown"]["__typename"] == "NotAllowed"
    token = await signed_in(await make_borrower())
    result = (await api.data(DRAW, draw(), token))["drawdown"]
    assert result["__typename"] == "NotAllowed" and result["code"]


@pytest.mark.parametrize("amount", ["1e3", "-5.00", "12.345", "0.00", "abc", "", 100.5, 500])
async def test_a_malformed_amount_is_a_validation_error_and_changes_nothing(api: Api, amount):
    _, token = await borrower_with_line()
    before = await counts()
    result = (await api.data(DRAW, draw(amount), token))["drawdown"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "amount")
    assert await counts() == before


async def test_a_draw_below_the_minimum_or_with_a_term_the_method_lacks_is_a_validation_error(api: Api):
    _, token = await borrower_with_line()
    small = (await api.data(DRAW, draw("10.00"), token))["drawdown"]
    assert (small["__typename"], small["field"]) == ("ValidationError", "amount")
    odd_term = (await api.data(DRAW, draw(termMonths=5), token))["drawdown"]
    assert (odd_term["__typename"], odd_term["field"]) == ("ValidationError", "termMonths")
    assert await Loan.all().count() == 0


async def test_a_draw_above_the_available_amount_is_insufficient_credit_with_what_is_available(api: Api):
    _, token = await borrower_with_line(limit="3000.00")
    assert (await api.data(DRAW, draw("1000.00", "k-a"), token))["drawdown"]["__typename"] == "LoanDrawn"
    before = await counts()
    result = (await api.data(DRAW, draw("2000.01", "k-b"), token))["drawdown"]
    assert result["__typename"] == "InsufficientCredit"
    assert result["available"] == "2000.00" and result["code"] == "INSUFFICIENT_CREDIT"
    assert await counts() == before


async def test_the_same_idempotency_key_with_another_draw_is_a_conflict(api: Api):
    _, token = await borrower_with_line()
    assert (await api.data(DRAW, draw("500.00", "same"), token))["drawdown"]["__typename"] == "LoanDrawn"
    before = await counts()
    result = (await api.data(DRAW, draw("600.00", "same"), token))["drawdown"]
    assert result["__typename"] == "IdempotencyConflict" and result["code"] == "IDEMPOTENCY_CONFLICT"
    assert await counts() == before


async def test_repaying_needs_a_signed_in_borrower_and_a_loan_id(api: Api):
    borrower, token = await borrower_with_line()
    loan = await make_loan(borrower, "1000.00", months=3)
    anonymous = (await api.data(REPAY, {"i": {"loanId": loan_id(loan), "amount": "10.00", "idempotencyKey": "r"}}))
    assert anonymous["repay"]["__typename"] == "NotAllowed"
    for bad in ("not-an-id", "Q3JlZGl0TGluZTox"):  # junk, and a CreditLine's id
        result = (await api.data(REPAY, {"i": {"loanId": bad, "amount": "10.00", "idempotencyKey": "r"}}, token))
        assert (result["repay"]["__typename"], result["repay"]["field"]) == ("ValidationError", "loanId")


async def test_paying_more_than_settles_the_loan_is_refused_and_changes_nothing(api: Api):
    borrower, token = await borrower_with_line()
    loan = await make_loan(borrower, "1000.00", months=3)
    before = await counts()
    result = (await api.data(REPAY, {"i": {"loanId": loan_id(loan), "amount": "5000.00", "idempotencyKey": "r"}},
                             token))["repay"]
    assert (result["__typename"], result["code"], result["field"]) == ("ValidationError", "OVERPAYMENT", "amount")
    assert await counts() == before


async def test_the_same_idempotency_key_with_another_repayment_is_a_conflict(api: Api):
    borrower, token = await borrower_with_line()
    loan = await make_loan(borrower, "1000.00", months=3)
    first = await api.data(REPAY, {"i": {"loanId": loan_id(loan), "amount": "100.00", "idempotencyKey": "r"}}, token)
    assert first["repay"]["__typename"] == "RepaymentMade"
    replay = await api.data(REPAY, {"i": {"loanId": loan_id(loan), "amount": "100.00", "idempotencyKey": "r"}}, token)
    assert replay["repay"]["__typename"] == "RepaymentMade"
    before = await counts()
    other = await api.data(REPAY, {"i": {"loanId": loan_id(loan), "amount": "200.00", "idempotencyKey": "r"}}, token)
    assert other["repay"]["__typename"] == "IdempotencyConflict"
    assert await counts() == before
    assert await Repayment.all().count() == 1


async def test_signing_out_needs_a_token(api: Api):
    assert (await api.data(SIGN_OUT))["signOut"]["__typename"] == "NotAllowed"


async def test_a_quote_with_bad_input_is_an_error_naming_the_field(api: Api):
    _, token = await borrower_with_line()
    body = await api.run('{ quote(amount: "12.345", method: EQUAL_INSTALLMENT, termMonths: 3) { apr } }', token=token)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "VALIDATION_ERROR", "field": "amount"}
    body = await api.run('{ quote(amount: "100.00", method: EQUAL_INSTALLMENT, termMonths: 3) { apr } }')
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

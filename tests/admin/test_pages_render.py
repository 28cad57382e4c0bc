"""Every page of the console answers, in Chinese by default and in English on request."""

from __future__ import annotations

import pytest

from tests.factories import make_borrower, make_line, make_loan

PAGES = ["/admin/", "/admin/borrowers", "/admin/reviews", "/admin/reminders", "/admin/business-date",
         "/admin/models", "/admin/chain", "/admin/chain/verify", "/admin/pools", "/admin/insurance",
         "/admin/staff", "/admin/activity", "/admin/disclosure"]


@pytest.fixture
async def portfolio(db):
    borrower = await make_borrower("李雷")
    line = await make_line(borrower)
    loan = await make_loan(borrower, "1200.00")
    return borrower, line, loan


async def test_every_page_renders_for_an_admin(sign_in_as, portfolio):
    admin = await sign_in_as("admin")
    borrower, line, loan = portfolio
    for path in [*PAGES, f"/admin/borrowers/{borrower.id}", f"/admin/loans/{loan.id}",
                 f"/admin/lines/{line.id}/limit"]:
        response = await admin.client.get(path)
        assert response.status_code == 200, (path, response.text[:2000])
        assert '<html lang="zh-CN">' in response.text


async def test_pages_speak_english_to_a_user_who_chose_it(sign_in_as, portfolio):
    viewer = await sign_in_as("viewer", language="en")
    response = await viewer.client.get("/admin/")
    assert '<html lang="en">' in response.text
    assert "Outstanding principal" in response.text


async def test_the_dashboard_is_in_chinese_by_default(sign_in_as, portfolio):
    viewer = await sign_in_as("viewer")
    response = await viewer.client.get("/admin/")
    assert "仪表盘" in response.text

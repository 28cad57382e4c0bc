"""Borrower search and detail: personal data masked for roles that may not see it, search by name
and last four digits, and pages whose query count does not grow with the data."""

from __future__ import annotations

import pytest

from tests.admin.conftest import count_queries
from tests.factories import id_number_for, make_borrower, make_line, make_loan, phone_for


@pytest.fixture
async def borrower(db):
    b = await make_borrower("王小明", n=4321)
    await make_line(b)
    await make_loan(b, "800.00")
    return b


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_personal_data_is_masked_for_roles_that_may_not_see_it(sign_in_as, borrower, role):
    staff = await sign_in_as(role)
    phone, number = phone_for(4321), id_number_for(4321)

    for path in ("/admin/borrowers", f"/admin/borrowers/{borrower.id}"):
        page = (await staff.client.get(path)).text
        assert phone not in page and number not in page
        assert f"{phone[:3]}****{phone[-4:]}" in page
        assert f"{number[:3]}{'*' * 11}{number[-4:]}" in page


@pytest.mark.parametrize("role", ["risk", "admin"])
async def test_risk_officers_and_admins_see_full_personal_data(sign_in_as, borrower, role):
    staff = await sign_in_as(role)

    page = (await staff.client.get(f"/admin/borrowers/{borrower.id}")).text

    assert phone_for(4321) in page and id_number_for(4321) in page


async def test_borrowers_are_found_by_name_and_by_the_last_four_digits_of_phone_or_id(sign_in_as, borrower):
    await make_borrower("赵六", n=1111)
    viewer = await sign_in_as("viewer")

    by_name = (await viewer.client.get("/admin/borrowers", params={"q": "小明"})).text
    by_phone = (await viewer.client.get("/admin/borrowers", params={"q": phone_for(4321)[-4:]})).text
    by_id = (await viewer.client.get("/admin/borrowers", params={"q": id_number_for(4321)[-4:]})).text
    by_full_phone = (await viewer.client.get("/admin/borrowers", params={"q": phone_for(4321)})).text

    for page in (by_name, by_phone, by_id, by_full_phone):
        assert "王小明" in page and "赵六" not in page


GIVEN = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥春夏秋冬梅兰竹菊"


async def test_the_borrower_list_pages_through_many_borrowers_newest_first(sign_in_as, db):
    for n in range(30):
        await make_borrower(f"钱{GIVEN[n]}", n=500 + n)
    viewer = await sign_in_as("viewer")

    first = (await viewer.client.get("/admin/borrowers")).text
    second = (await viewer.client.get("/admin/borrowers", params={"page": 2})).text

    assert "钱菊" in first and "钱己" in first and "钱戊" not in first  # 25 a page: the 30th to the 6th
    assert "钱戊" in second and "钱甲" in second and "钱菊" not in second
    assert "共 30 条" in first


async def _portfolio(loans: int):
    borrower = await make_borrower()
    await make_line(borrower, "200000.00")
    made = [await make_loan(borrower, "600.00", months=12 if i % 2 else 3) for i in range(loans)]
    return borrower, made


async def _count(client, path: str) -> int:
    with count_queries() as counter:
        response = await client.get(path)
    assert response.status_code == 200
    return len(counter.statements)


async def test_page_query_counts_do_not_grow_with_the_number_of_loans(sign_in_as, db):
    viewer = await sign_in_as("viewer")
    small, small_loans = await _portfolio(2)
    large, large_loans = await _portfolio(20)

    assert await _count(viewer.client, f"/admin/borrowers/{small.id}") == \
        await _count(viewer.client, f"/admin/borrowers/{large.id}")
    # A 3-instalment loan and a 12-instalment loan.
    assert await _count(viewer.client, f"/admin/loans/{small_loans[0].id}") == \
        await _count(viewer.client, f"/admin/loans/{large_loans[1].id}")
    before = await _count(viewer.client, "/admin/")
    for _ in range(5):
        await _portfolio(4)
    assert await _count(viewer.client, "/admin/") == before
    assert await _count(viewer.client, "/admin/borrowers") == await _count(viewer.client, "/admin/borrowers?page=1")

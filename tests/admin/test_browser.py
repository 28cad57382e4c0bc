"""The console in a real browser (Debian's headless Chromium through Playwright): a member of staff
signs in, finds a borrower, freezes and unfreezes the line, decides a review, runs a close and sees
the dashboard change. Screenshots of the main pages go to test-output/screenshots/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.admin.live import KNOWN_BORROWER, PASSWORD, LiveConsole

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def _need_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            missing = f"playwright is not installed: {exc}"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    _need_browser()
    live = LiveConsole(tmp_path_factory.mktemp("console")).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser(console):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, console, username: str) -> None:
    page.goto(console.base + "/")
    assert "/sign-in" in page.url
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def stat(page, label: str) -> str:
    return page.locator(".stat", has=page.locator("dt", has_text=label)).locator(".value").inner_text()


def flash(page) -> str:
    return page.locator(".flash").inner_text()


def test_staff_work_through_the_console_and_see_the_dashboard_change(console, page):
    sign_in(page, console, "risk")
    lines_before = stat(page, "授信额度")
    date_before = page.locator(".bizdate strong").inner_text()
    shot(page, "01-dashboard")

    # Find a borrower by the last four digits of the phone.
    page.get_by_role("link", name="借款人").first.click()
    page.get_by_label("搜索借款人").fill(str(KNOWN_BORROWER))
    page.get_by_role("button", name="搜索").click()
    shot(page, "02-borrowers-search")
    page.get_by_role("link", name="韩梅梅").click()
    assert page.locator("h1").inner_text().startswith("韩梅梅")
    shot(page, "03-borrower-detail")

    # Freeze, then unfreeze, the line.
    page.get_by_label("原因（选填）").fill("客户来电：手机遗失")
    page.get_by_role("button", name="冻结额度").click()
    assert "额度已冻结" in flash(page)
    assert page.locator("h1 .badge").inner_text() == "已冻结"
    page.get_by_role("button", name="解冻额度").click()
    assert "额度已解冻" in flash(page)
    assert page.locator("h1 .badge").inner_text() == "正常"

    # Change the limit, with a mistake first.
    page.get_by_role("link", name="调整额度").click()
    page.get_by_label("新额度（元）").fill("abc")
    page.get_by_label("原因").fill("按时还款六个月")
    page.get_by_role("button", name="调整额度").click()
    assert page.locator("#f-limit-error").is_visible()
    shot(page, "04-change-limit-error")
    page.get_by_label("新额度（元）").fill("8,000.00")
    page.get_by_role("button", name="调整额度").click()
    assert "额度已调整" in flash(page)

    # A loan's schedule, repayments and postings.
    page.locator("a[href*='/loans/']").first.click()
    assert page.get_by_role("heading", name="还款计划").is_visible()
    shot(page, "05-loan-detail")

    # Decide the waiting review.
    page.get_by_role("link", name="审核队列").click()
    shot(page, "06-review-queue")
    page.get_by_label("批准理由").first.fill("核实收入，电话确认单位")
    page.get_by_role("button", name="批准").first.click()
    assert "申请已批准" in flash(page)
    assert "没有待审核的申请" in page.content()
    page.context.clear_cookies()

    # An operator runs close of business in demo mode.
    sign_in(page, console, "operator")
    page.get_by_role("link", name="营业日").first.click()
    page.get_by_label("执行 N 天日终").fill("3")
    page.get_by_role("button", name="执行日终").click()
    assert "已完成 3 个营业日的日终" in flash(page)
    shot(page, "07-business-date")

    # The dashboard has moved on: a new credit line, a later business date, a recent close.
    page.get_by_role("link", name="仪表盘").click()
    assert page.locator(".bizdate strong").inner_text() != date_before
    assert int(stat(page, "授信额度")) == int(lines_before) + 1
    shot(page, "08-dashboard-after")


def test_the_other_main_pages_render_for_an_admin(console, page):
    sign_in(page, console, "admin")
    for name, path, heading in [
        ("09-decision-chain", "/chain/verify", "决策链完整"),
        ("10-reminders", "/reminders", "还款提醒"),
        ("11-credit-model", "/models", "信用模型"),
        ("12-staff", "/staff", "员工"),
        ("13-activity-log", "/activity", "操作日志"),
        ("14-pools", "/pools", "资产池"),
        ("14-insurance", "/insurance", "保险公司"),
    ]:
        page.goto(console.base + path)
        assert heading in page.content(), name
        shot(page, name)
    page.goto(console.base + "/models")
    page.get_by_role("button", name="设为冠军模型").click()
    assert "该版本已成为冠军模型" in flash(page)
    shot(page, "11-credit-model")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Outstanding principal" in page.content() or "Credit model" in page.content()
    page.goto(console.base + "/")
    shot(page, "15-dashboard-english")
    page.get_by_role("button", name="中文").click()


def test_the_public_pages_work_without_signing_in(console, page):
    page.goto(console.base + "/sign-in")
    shot(page, "16-sign-in")
    page.goto(console.base + "/disclosure")
    assert page.get_by_role("heading", name="信息披露").is_visible()
    assert page.locator(".sidebar").count() == 0
    shot(page, "17-disclosure-public")


def test_a_viewer_sees_masked_data_and_no_action_buttons(console, page):
    sign_in(page, console, "viewer")
    page.goto(console.base + f"/borrowers?q={KNOWN_BORROWER}")
    page.get_by_role("link", name="韩梅梅").click()
    assert "****" in page.locator("dd.mono").first.inner_text()
    assert page.get_by_role("button", name="冻结额度").count() == 0
    assert page.get_by_role("link", name="调整额度").count() == 0
    shot(page, "18-borrower-viewer-masked")

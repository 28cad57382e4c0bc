"""A console served for the browser: uvicorn in a background thread, its own event loop and its
own SQLite database, seeded with a small portfolio that has history, overdue loans and scores."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from tortoise import Tortoise

from admin.app import create_admin_app
from domain import db as dbmod
from domain.commands import Repay
from domain.models import Loan, ModelVersion, ScoreRecord
from domain.services import ledger
from domain.services import staff as staff_service
from domain.services.calendar import business_date, set_business_date, utcnow
from domain.services.cob import run_close
from domain.services.repay import quote_payoff, repay
from domain.settings import load_settings
from tests.admin.conftest import review_application
from tests.factories import make_borrower, make_line, make_loan

PASSWORD = "console-pass-1"
NAMES = ("李雷", "韩梅梅", "王芳", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "徐涛")
KNOWN_BORROWER = 8888  # 韩梅梅: her phone ends in 8888, so she is found by its last four digits


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def seed() -> None:
    await ledger.ensure_chart()
    await set_business_date(date(2026, 1, 5))
    for role, name in (("admin", "周敏"), ("risk", "李风控"), ("operator", "王运营"), ("viewer", "赵只读")):
        await staff_service.create_staff(role, role, PASSWORD, display_name=name)
    borrowers = []
    for i, name in enumerate(NAMES):
        b = await make_borrower(name, n=KNOWN_BORROWER if i == 1 else 7000 + i)
        await make_line(b, f"{(i % 4 + 1) * 5000}.00", rate="0.0004")
        await make_loan(b, f"{600 + 150 * i}.00", "EQUAL_INSTALLMENT" if i % 3 else "EQUAL_PRINCIPAL",
                        months=(3, 6, 12)[i % 3])
        borrowers.append(b)
    await run_close(20)
    for i, b in enumerate(borrowers[::2]):
        await make_loan(b, f"{300 + 100 * i}.00", "DAILY_INTEREST", months=None, days=30)
    # Half the early loans are settled in full; the rest will fall due unpaid.
    for k, loan in enumerate(await Loan.filter(borrower_id__in=[b.id for b in borrowers[1::2]]).order_by("id")):
        payoff = await quote_payoff(loan)
        await repay(Repay(loan.borrower_id, loan.id, Decimal(payoff.payoff) / 100, f"settle-{k}"))
    await run_close(18)
    today = await business_date()
    for i, b in enumerate(borrowers):
        for back, score in ((30, 600 + 7 * i), (10, 620 + 5 * i - (40 if i % 4 == 0 else 0))):
            await ScoreRecord.create(borrower_id=b.id, score=score, pd=0.05, model_version="v1", reason="SEED",
                                     business_date=today - timedelta(days=back), at=utcnow())
    await review_application(await make_borrower("孙悦", n=9001))
    metrics = {"source": "german_credit", "progressive": {"auc": 0.7712, "brier": 0.1721, "n": 1000}}
    await ModelVersion.create(version="v1", pipeline="logistic", model="", metrics=metrics, is_champion=True,
                              promoted_at=utcnow())
    await ModelVersion.create(version="v2", pipeline="logistic", model="", n_updates=500,
                              metrics={"rolling": {"auc": 0.7934, "brier": 0.1650, "n": 500}})


class LiveConsole:
    def __init__(self, folder: Path) -> None:
        self.url_db = f"sqlite://{folder}/console.sqlite3"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/admin"
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.server: uvicorn.Server | None = None
        self.thread = threading.Thread(target=self._run, name="live-console", daemon=True)

    def start(self) -> LiveConsole:
        self.thread.start()
        if not self.ready.wait(timeout=300):
            raise RuntimeError("the console did not start")
        if self.error:
            raise self.error
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(timeout=30)

    def _run(self) -> None:
        # A thread of its own starts with empty context variables, so the Tortoise set up here is
        # separate from the one the rest of the test session uses.
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test through start()
            self.error = exc
            self.ready.set()

    async def _main(self) -> None:
        await dbmod.migrate(self.url_db)
        await Tortoise.close_connections()
        await dbmod.init_db(database_url=self.url_db)
        await seed()
        settings = load_settings({}, env="development")
        app = Starlette(routes=[Mount("/admin", app=create_admin_app(settings))])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        serving = asyncio.create_task(self.server.serve())
        while not self.server.started and not serving.done():
            await asyncio.sleep(0.05)
        self.ready.set()
        await serving
        await Tortoise.close_connections()

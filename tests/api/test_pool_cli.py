"""`suixing pool`: preview, create, close periods, read the report and project, from the shell."""

from __future__ import annotations

import json

from domain.models import Pool, PoolPeriod
from tests.api._server import Api
from tests.api.test_cli import suixing
from tests.pool_factories import four_loans

TERMS = ("--senior", "A=0.80@0.06", "--mezzanine", "B=0.10@0.09", "--subordinated", "C",
         "--trustee-fee", "0.006", "--servicer-fee", "0.012")


async def test_a_pool_is_previewed_created_closed_reported_and_projected_from_the_shell(api: Api):
    await four_loans()
    code, out, _ = await suixing("pool", "preview", *TERMS)
    assert code == 0 and "4 loans, balance 48000.00" in out
    assert "tranches: 38400.00, 4800.00, 4800.00" in out
    assert await Pool.all().count() == 0

    code, _, err = await suixing("pool", "create", "Bad", "--senior", "A=1.20@0.05")
    assert code == 1 and "error (tranches)" in err
    code, out, _ = await suixing("pool", "create", "Suixing 2026-1", *TERMS)
    assert code == 0 and "balance 48000.00" in out

    # A close of business run by hand closes the periods it has ended, as the workers do.
    code, out, _ = await suixing("cob", "--days", "31")
    assert code == 0 and "period" not in out
    code, out, _ = await suixing("cob", "--days", "1")
    assert code == 0 and "pool 1: period 1 to 2026-02-05 closed" in out
    code, out, _ = await suixing("pool", "close-periods")
    assert code == 0 and out == ""
    assert await PoolPeriod.all().count() == 1
    code, out, _ = await suixing("pool", "report", str((await Pool.get()).id))
    assert code == 0 and json.loads(out)["period"] == 1

    code, out, _ = await suixing("pool", "project", str((await Pool.get()).id), "--cdr", "0.05", "--cpr", "0.10",
                                 "--recovery-rate", "0.4", "--recovery-lag", "2", "--periods", "3")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("period\tphase") and len(lines) == 4
    code, _, err = await suixing("pool", "project", "1", "--cdr", "1.5")
    assert code == 1 and "error (cdr)" in err

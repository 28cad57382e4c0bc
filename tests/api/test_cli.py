"""`suixing partner create/revoke`: a key shown once, only its hash kept, revocable."""

from __future__ import annotations

import asyncio
import hashlib
import sys

from domain.models import Partner
from tests.api._server import ROOT, Api, database_url, server_env

EVENTS = "{ events(first: 1) { edges { cursor } } }"


async def suixing(*args: str) -> tuple[int, str, str]:
    env = server_env(database_url())
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_a_partner_key_is_printed_once_stored_as_a_hash_and_revocable(api: Api):
    code, out, _ = await suixing("partner", "create", "Insurer One", "--scopes", "events:read,pools:read")
    assert code == 0
    key = out.strip().splitlines()[-1]
    partner = await Partner.get(name="Insurer One")
    assert partner.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(await Partner.all().values())
    assert partner.scopes == "events:read,pools:read"
    assert (await api.run(EVENTS, token=key)).get("errors") is None

    code, out, _ = await suixing("partner", "revoke", "Insurer One")
    assert code == 0
    assert (await api.run(EVENTS, token=key))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_unknown_scopes_and_taken_names_are_refused(api: Api):
    code, _, err = await suixing("partner", "create", "Someone", "--scopes", "loans:write")
    assert code == 1 and "unknown scope" in err
    assert await Partner.all().count() == 0
    assert (await suixing("partner", "create", "Someone", "--scopes", "events:read"))[0] == 0
    code, _, err = await suixing("partner", "create", "Someone", "--scopes", "events:read")
    assert code == 1 and "exists" in err
    code, _, err = await suixing("partner", "revoke", "Nobody")
    assert code == 1

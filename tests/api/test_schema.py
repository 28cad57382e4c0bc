"""The committed schema.graphql matches the code, and contains the whole public contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from strawberry.printer import print_schema

from api.events.types import EventType
from api.schema import schema
from domain.services.event_feed import PARTNER_EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT.parent / "shared" / "tools" / "contract_check.py"


def test_committed_schema_is_what_the_code_exports():
    # `make schema` writes print_schema's text plus a final newline.
    exported = print_schema(schema).strip()
    committed = (ROOT / "schema.graphql").read_text().strip()
    assert committed == exported, "schema.graphql is stale: run `make schema`"


def test_schema_contains_the_whole_contract():
    result = subprocess.run([sys.executable, str(CHECKER), str(ROOT / "schema.graphql")],
                            capture_output=True, text=True, cwd=ROOT)
    assert "contract: 0 differences" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0


def test_partners_can_ask_for_every_event_type_the_feed_carries():
    assert [t.value for t in EventType] == list(PARTNER_EVENT_TYPES)

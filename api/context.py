"""The per-request context: who is calling, fresh DataLoaders, settings, and the app's services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.types import Info as StrawberryInfo

from api.borrowers.loaders import BorrowerByIdLoader, ScoreRecordsByBorrowerIdLoader
from api.credit.loaders import CreditLineByBorrowerIdLoader, CreditLineByIdLoader
from api.insurance.loaders import InsurerByIdLoader, InsurerIdsByPartnerIdLoader
from api.loans.loaders import (
    InstallmentsByLoanIdLoader,
    LoanByIdLoader,
    LoansByBorrowerIdLoader,
    RepaymentByIdLoader,
    RepaymentsByLoanIdLoader,
)
from api.pools.loaders import (
    CompositionByPoolIdLoader,
    HoldingsByPoolIdLoader,
    PaymentsByPeriodIdLoader,
    PeriodReportByIdLoader,
    PeriodsByPoolIdLoader,
    PoolByIdLoader,
    TranchesByPoolIdLoader,
)
from domain.services.partners import PartnerPrincipal
from domain.settings import Settings

if TYPE_CHECKING:
    from api.state import AppState


class Loaders:
    """One set per operation, so nothing cached outlives the request that loaded it."""

    def __init__(self) -> None:
        self.borrower_by_id = BorrowerByIdLoader()
        self.score_records_by_borrower_id = ScoreRecordsByBorrowerIdLoader()
        self.credit_line_by_borrower_id = CreditLineByBorrowerIdLoader()
        self.credit_line_by_id = CreditLineByIdLoader()
        self.loan_by_id = LoanByIdLoader()
        self.loans_by_borrower_id = LoansByBorrowerIdLoader()
        self.installments_by_loan_id = InstallmentsByLoanIdLoader()
        self.repayments_by_loan_id = RepaymentsByLoanIdLoader()
        self.repayment_by_id = RepaymentByIdLoader()
        self.pool_by_id = PoolByIdLoader()
        self.tranches_by_pool_id = TranchesByPoolIdLoader()
        self.periods_by_pool_id = PeriodsByPoolIdLoader()
        self.period_report_by_id = PeriodReportByIdLoader()
        self.payments_by_period_id = PaymentsByPeriodIdLoader()
        self.holdings_by_pool_id = HoldingsByPoolIdLoader()
        self.composition_by_pool_id = CompositionByPoolIdLoader()
        self.insurer_by_id = InsurerByIdLoader()
        self.insurer_ids_by_partner_id = InsurerIdsByPartnerIdLoader()


@dataclass(frozen=True)
class StaffPrincipal:
    """A member of staff signed in to the admin, calling with its session cookie."""

    id: int
    username: str
    role: str


@dataclass
class Context:
    settings: Settings
    state: AppState | None = None
    request: Any = None
    response: Any = None
    request_id: str = "-"
    borrower_id: int | None = None
    session_id: str | None = None
    partner: PartnerPrincipal | None = None
    staff: StaffPrincipal | None = None
    # Why presented credentials were not accepted, for the NotAllowed message.
    auth_problem: str | None = None
    loaders: Loaders = field(default_factory=Loaders)
    loader_factory: Callable[[], Loaders] = Loaders
    # SQL statements run for this request before the operation (reading the token), when counted.
    sql_statements: int = 0
    # Set from the graphql-transport-ws connection_init payload.
    connection_params: dict[str, Any] | None = None

    def new_loaders(self) -> Loaders:
        return self.loader_factory()

    @property
    def ip(self) -> str | None:
        client = getattr(self.request, "client", None)
        return client.host if client else None

    def after_commit(self) -> None:
        """A mutation committed: let the outbox relay publish its events now."""
        if self.state is not None and self.state.relay is not None:
            self.state.relay.wake()


Info = StrawberryInfo[Context, None]

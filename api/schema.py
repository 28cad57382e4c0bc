"""The schema: every area's queries, mutations and subscriptions, with the hardening extensions."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.borrowers.mutations import BorrowerMutations
from api.borrowers.queries import BorrowerQueries
from api.borrowers.types import Borrower
from api.common.scalars import SCALARS
from api.credit.mutations import CreditMutations
from api.credit.types import CreditLine
from api.disclosure.queries import DisclosureQueries
from api.events.queries import EventQueries
from api.events.subscriptions import EventSubscriptions
from api.extensions import FreshLoaders, Observe, ShapeErrors, is_unexpected
from api.insurance.queries import InsuranceQueries
from api.loans.mutations import LoanMutations
from api.loans.queries import LoanQueries
from api.loans.types import Loan, Repayment
from api.node import NodeQueries
from api.pools.queries import PoolQueries
from domain.settings import Settings, get_settings

log = logging.getLogger("suixing.api")

Query = merge_types("Query", (NodeQueries, BorrowerQueries, LoanQueries, DisclosureQueries, EventQueries,
                              PoolQueries, InsuranceQueries))
Mutation = merge_types("Mutation", (BorrowerMutations, CreditMutations, LoanMutations))
Subscription = merge_types("Subscription", (EventSubscriptions,))

CACHE_SIZE = 512


class Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log our own faults with the request id; what clients got wrong is not worth a traceback."""
        request_id = getattr(getattr(execution_context, "context", None), "request_id", "-")
        for error in errors:
            if is_unexpected(error):
                log.error("unexpected error in request %s at %s", request_id, error.path,
                          exc_info=error.original_error)


def build_schema(settings: Settings) -> Schema:
    rules = [
        *QueryDepthLimiter(max_depth=settings.api_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.api_max_aliases).validation_rules,
    ]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    # Built once, so the validation cache sees the same rules on every request.
    rules_tuple = list(rules)
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Borrower, CreditLine, Loan, Repayment],
        extensions=[
            FreshLoaders,
            Observe,
            lambda: MaxTokensLimiter(max_token_count=settings.api_max_tokens),
            lambda: AddValidationRules(rules_tuple),
            lambda: ParserCache(maxsize=CACHE_SIZE),
            lambda: ValidationCache(maxsize=CACHE_SIZE),
            ShapeErrors,
        ],
        config=StrawberryConfig(scalar_map=SCALARS, disable_field_suggestions=settings.production),
    )


schema = build_schema(get_settings())

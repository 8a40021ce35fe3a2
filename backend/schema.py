"""The root GraphQL schema: each app's Query, Mutation and Subscription merged into one."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from django.conf import settings
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry_django.optimizer import DjangoOptimizerExtension

from accounts import schema as accounts_schema
from backend.graphql_guards import CostLimits, QueryCostLimiter, TextArgumentGuard
from kicks import schema as kicks_schema
from presets import schema as presets_schema

# Each app adds its root types here.
query_types: tuple[type, ...] = (accounts_schema.Query, kicks_schema.Query, presets_schema.Query)
mutation_types: tuple[type, ...] = (
    accounts_schema.Mutation,
    kicks_schema.Mutation,
    presets_schema.Mutation,
)
subscription_types: tuple[type, ...] = (kicks_schema.Subscription,)

Query = merge_types("Query", query_types)
Mutation = merge_types("Mutation", mutation_types)
Subscription = merge_types("Subscription", subscription_types) if subscription_types else None


def is_unexpected(error: GraphQLError) -> bool:
    """Whether an error must reach the client masked.

    Expected failures are typed union members; GraphQL validation errors and GraphQLErrors
    raised on purpose (e.g. the members-only permission) are safe to show as they are.
    Anything else is a bug whose message may leak internals (SQL, paths).
    """
    return error.original_error is not None and not isinstance(error.original_error, GraphQLError)


def _without_introspection() -> AddValidationRules:
    return AddValidationRules(
        [] if settings.GRAPHQL_INTROSPECTION else [NoSchemaIntrospectionCustomRule]
    )


def _cost_limiter() -> QueryCostLimiter:
    return QueryCostLimiter(
        CostLimits(
            max_depth=settings.GRAPHQL_MAX_DEPTH,
            max_fields=settings.GRAPHQL_MAX_FIELDS,
            max_aliases=settings.GRAPHQL_MAX_ALIASES,
            max_spreads=settings.GRAPHQL_MAX_SPREADS,
        )
    )


# Factories, so that each operation gets fresh extensions built from the current settings.
# The cost limiter comes first: its check runs before any other extension's validation step.
EXTENSIONS: list[Callable[[], SchemaExtension]] = [
    _cost_limiter,
    TextArgumentGuard,
    lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
    _without_introspection,
    lambda: MaskErrors(should_mask_error=is_unexpected),
    DjangoOptimizerExtension,
]

# "Did you mean 'kicks'?" names fields and types to anyone probing the API; graphql-core appends
# no suggestion once its MAX_LENGTH is 0 (its documented switch, read on every call).
importlib.import_module("graphql.pyutils.did_you_mean").MAX_LENGTH = (
    5 if settings.GRAPHQL_SUGGESTIONS else 0
)


class Schema(strawberry.Schema):
    """Strawberry's schema, but `execute` (one result: HTTP) never accepts a subscription.

    Strawberry lets POST carry subscriptions for its streaming HTTP transports, which this app
    does not enable, so one ran into graphql-core's executor and failed as "Unexpected error.".
    Refused here, the view answers 400 "subscriptions are not allowed when using POST".
    """

    async def execute(
        self,
        *args: Any,
        allowed_operation_types: Iterable[OperationType] | None = None,
        **kwargs: Any,
    ) -> ExecutionResult:
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            *args, allowed_operation_types=allowed - {OperationType.SUBSCRIPTION}, **kwargs
        )


schema = Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=EXTENSIONS)

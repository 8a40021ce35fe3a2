"""The root GraphQL schema: each app's Query, Mutation and Subscription merged into one."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from django.conf import settings
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from accounts import schema as accounts_schema
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


# Factories, so that each operation gets fresh extensions built from the current settings.
EXTENSIONS: list[Callable[[], SchemaExtension]] = [
    lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
    lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
    lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
    _without_introspection,
    lambda: MaskErrors(should_mask_error=is_unexpected),
    DjangoOptimizerExtension,
]

schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, extensions=EXTENSIONS
)

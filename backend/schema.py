"""The root GraphQL schema: each app's Query, Mutation and Subscription merged into one."""

from __future__ import annotations

import strawberry
from django.conf import settings
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from accounts import schema as accounts_schema

Query = merge_types("Query", (accounts_schema.Query,))
Mutation = merge_types("Mutation", (accounts_schema.Mutation,))


def _extensions() -> list:
    extensions = [
        QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        # Unexpected exceptions reach clients as a generic message; expected failures are
        # typed union members, and GraphQL validation errors are safe to show as they are.
        MaskErrors(should_mask_error=lambda error: error.original_error is not None),
        DjangoOptimizerExtension(),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return extensions


schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=_extensions())

"""The one "members only" rule every app applies to its GraphQL fields.

Usage, on any query, mutation or subscription field (HTTP and websockets alike):

    @strawberry.subscription(extensions=[MembersOnly()])
    async def kick_generation(self, info: Info, request_id: strawberry.ID) -> ...: ...

A guest gets a GraphQL error with `extensions.code == "UNAUTHENTICATED"` and the resolver
never runs. Inside the resolver, strawberry_django.auth.utils.get_current_user(info) (or
`await aget_current_user(info)` in async resolvers) returns the member.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry_django.auth.utils import aget_current_user

UNAUTHENTICATED = "UNAUTHENTICATED"


class IsMember(BasePermission):
    message = "Please log in to use this."
    error_extensions = {"code": UNAUTHENTICATED}

    # Async so that loading the session user never blocks the event loop; strawberry wraps
    # sync resolvers for it. Works for Django requests and for Channels websocket scopes.
    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        user = await aget_current_user(info)
        return user.is_authenticated and user.is_active


class MembersOnly(PermissionExtension):
    """Field extension refusing guests; the schema marks such fields with @IsMember."""

    def __init__(self) -> None:
        super().__init__(permissions=[IsMember()])

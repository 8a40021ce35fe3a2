"""Accounts over GraphQL: register, login, logout and me. Thin: the rules live in services."""

from __future__ import annotations

from typing import Annotated

import strawberry
import strawberry_django
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from graphql import GraphQLError
from strawberry.types import Info
from strawberry_django.auth.utils import get_current_user
from strawberry_django.utils.requests import get_request

from accounts import services


@strawberry_django.type(get_user_model(), name="User")
class UserType:
    id: strawberry.auto
    username: strawberry.auto
    email: strawberry.auto


@strawberry.type(description="What is wrong with one argument (the one shape every app uses).")
class FieldError:
    field: str = strawberry.field(description="The argument or input field, e.g. kickLength.")
    messages: list[str]
    min: float | None = strawberry.field(
        default=None, description="Smallest allowed value (or length), where one applies."
    )
    max: float | None = strawberry.field(
        default=None, description="Largest allowed value (or length), where one applies."
    )


@strawberry.type(description="Arguments that were refused; nothing was changed.")
class ValidationErrors:
    message: str
    errors: list[FieldError]


@strawberry.type
class Throttled:
    message: str


@strawberry.type
class InvalidCredentials:
    message: str


@strawberry.type
class AccountLocked:
    message: str
    retry_after_seconds: int = strawberry.field(
        description="Until this account's password login is accepted again."
    )


@strawberry.type
class RegisterSuccess:
    user: UserType


@strawberry.type
class LoginSuccess:
    user: UserType


@strawberry.type
class LogoutSuccess:
    message: str


RegisterResult = Annotated[
    RegisterSuccess | ValidationErrors | Throttled, strawberry.union("RegisterResult")
]
LoginResult = Annotated[
    LoginSuccess | InvalidCredentials | Throttled | AccountLocked, strawberry.union("LoginResult")
]


def http_request(info: Info) -> HttpRequest:
    """The Django request behind an HTTP operation; sessions change only over HTTP."""
    request = get_request(info)
    if not isinstance(request, HttpRequest):
        raise GraphQLError(
            "Send this operation over HTTP: it changes the session cookie.",
            extensions={"code": "HTTP_ONLY"},
        )
    return request


@strawberry.type
class Query:
    @strawberry_django.field(description="The logged-in member, or null for a guest.")
    def me(self, info: Info) -> UserType | None:
        user = get_current_user(info)
        return user if user.is_authenticated else None


@strawberry.type
class Mutation:
    @strawberry_django.mutation(handle_django_errors=False)
    def register(self, info: Info, username: str, email: str, password: str) -> RegisterResult:
        try:
            user = services.register(
                http_request(info), username=username, email=email, password=password
            )
        except services.Throttled as error:
            return Throttled(message=str(error))
        except services.InvalidRegistration as error:
            return ValidationErrors(
                message="Please correct the highlighted fields.",
                errors=[FieldError(field=p.field, messages=p.messages) for p in error.problems],
            )
        return RegisterSuccess(user=user)

    @strawberry_django.mutation(handle_django_errors=False)
    def login(self, info: Info, username: str, password: str) -> LoginResult:
        try:
            user = services.log_in(http_request(info), username=username, password=password)
        except services.Throttled as error:
            return Throttled(message=str(error))
        except services.InvalidCredentials as error:
            return InvalidCredentials(message=str(error))
        except services.AccountLocked as error:
            return AccountLocked(message=str(error), retry_after_seconds=error.retry_after_s)
        return LoginSuccess(user=user)

    @strawberry_django.mutation(handle_django_errors=False)
    def logout(self, info: Info) -> LogoutSuccess:
        services.log_out(http_request(info))
        return LogoutSuccess(message="Logged out.")

"""Account rules: registration, login, their per-IP throttles and the per-account lockout.

No GraphQL here. Every password login (GraphQL's `login` and the admin's login form) goes
through `check_password`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited

USERNAME_MAX_LENGTH = 150
USERNAME_TAKEN = "This username is taken."


class Throttled(Exception):
    """Too many attempts from one client IP (or by one member); wait and retry."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    messages: list[str]


class InvalidRegistration(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {' '.join(p.messages)}" for p in problems))
        self.problems = problems


class InvalidCredentials(Exception):
    """Unknown username or wrong password; which one is never revealed."""


class AccountLocked(Exception):
    """Too many failed logins for one username, from any IP: its password login waits."""

    def __init__(self, retry_after_s: int) -> None:
        minutes = math.ceil(retry_after_s / 60)
        super().__init__(
            "Too many failed logins for this account. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        self.retry_after_s = retry_after_s


def client_ip(request: HttpRequest) -> str:
    """The client's address, seen through TRUSTED_PROXY_COUNT reverse proxies.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For,
    so the client is the entry that many places from the right; entries further left are
    whatever the client chose to send and are never trusted. Requests that did not come
    through the proxies (a shorter header) fall back to the connecting address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [ip for ip in forwarded if ip]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META["REMOTE_ADDR"]


RateKey = str | Callable[[str, HttpRequest | None], str]


def throttle(request: HttpRequest | None, scope: str, rate: str, key: RateKey = "ip") -> None:
    """Count one attempt in the Django cache (per client IP by default); raise once over the rate.

    `key` is any django-ratelimit key; a member's throttle passes a callable naming the member.
    Called once per resolver execution, so attempts hidden in aliases count too.
    """
    if is_ratelimited(request, group=f"accounts.{scope}", key=key, rate=rate, increment=True):
        raise Throttled(f"Too many {scope} attempts. Please wait and try again.")


def _failed_logins(request: HttpRequest, username: str, *, increment: bool) -> dict | None:
    """django-ratelimit's usage of LOGIN_LOCKOUT for this username (any letter case, any IP)."""
    account = username.strip().lower()
    return get_usage(
        request,
        group="accounts.login-lockout",
        key=lambda _group, _request: account,
        rate=settings.LOGIN_LOCKOUT,
        increment=increment,
    )


def register(request: HttpRequest, *, username: str, email: str, password: str) -> AbstractBaseUser:
    """Create an account and log it in on this request's session."""
    throttle(request, "registration", settings.REGISTER_THROTTLE)
    user_model = get_user_model()
    username = username.strip()
    email = email.strip().lower()
    problems: list[FieldProblem] = []
    if not username:
        problems.append(FieldProblem("username", ["Choose a username."]))
    elif len(username) > USERNAME_MAX_LENGTH:
        problems.append(FieldProblem("username", [f"At most {USERNAME_MAX_LENGTH} characters."]))
    else:
        try:
            user_model.username_validator(username)
        except ValidationError as error:
            problems.append(FieldProblem("username", list(error.messages)))
        else:
            if user_model.objects.filter(username__iexact=username).exists():
                problems.append(FieldProblem("username", [USERNAME_TAKEN]))
    try:
        validate_email(email)
    except ValidationError:
        problems.append(FieldProblem("email", ["Enter a valid email address."]))
    try:
        validate_password(password, user_model(username=username, email=email))
    except ValidationError as error:
        problems.append(FieldProblem("password", list(error.messages)))
    if problems:
        raise InvalidRegistration(problems)
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as error:  # lost a race for the same username (any letter case)
        raise InvalidRegistration([FieldProblem("username", [USERNAME_TAKEN])]) from error
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def check_password(request: HttpRequest, *, username: str, password: str) -> AbstractBaseUser:
    """The account these credentials open, after the per-IP throttle and the account lockout.

    A wrong password counts toward the username's lockout; while it is locked, not even the
    right password is checked. Does not log in.
    """
    throttle(request, "login", settings.LOGIN_THROTTLE)
    usage = _failed_logins(request, username, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        # The window still counts at its last second (django-ratelimit's time_left is 0 then).
        raise AccountLocked(retry_after_s=max(usage["time_left"] + 1, 1))
    username = username.strip()
    # Usernames are unique whatever their letter case, so any spelling names one account.
    stored = (
        get_user_model()
        .objects.filter(username__iexact=username)
        .values_list("username", flat=True)
        .first()
    )
    user = authenticate(request, username=stored or username, password=password)
    if user is None:
        _failed_logins(request, username, increment=True)
        raise InvalidCredentials("Wrong username or password.")
    return user


def log_in(request: HttpRequest, *, username: str, password: str) -> AbstractBaseUser:
    user = check_password(request, username=username, password=password)
    login(request, user)
    return user


def log_out(request: HttpRequest) -> None:
    logout(request)

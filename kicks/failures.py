"""Why a generation produced no kick: one exception per outcome, raised by the workers and the
services alike, recorded in the ledger as a KickGeneration.Failure and read back from it, and
mapped once to its GraphQL type (kicks.schema.failure_result)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateformat import format as format_date

from kicks.models import KickGeneration

Failure = KickGeneration.Failure


class GenerationError(Exception):
    """A generateKick that ends without a kick; its message is shown to the member."""


class InvalidGenerationInput(GenerationError):
    """An argument the member can correct; nothing was reserved. `minimum`/`maximum`: the
    allowed range, where one applies."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.minimum = minimum
        self.maximum = maximum


class TotalCapReached(GenerationError):
    def __init__(self, total_cap: int) -> None:
        super().__init__(total_cap_message(total_cap))
        self.total_cap = total_cap


class DailyLimitReached(GenerationError):
    def __init__(self, daily_limit: int, resets_at: datetime) -> None:
        super().__init__(daily_limit_message(daily_limit, resets_at))
        self.resets_at = resets_at


class GenerationUnavailable(GenerationError):
    """The generator cannot take the request now; nothing was generated or counted."""


class GenerationFailed(GenerationError):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def total_cap_message(total_cap: int) -> str:
    return f"Delete kicks to generate more ({total_cap}/{total_cap})"


def daily_limit_message(daily_limit: int, resets_at: datetime) -> str:
    # The app shows these words as its standing notice at the limit (served by the API).
    local = resets_at.astimezone(ZoneInfo(settings.KICKS_DAY_TIMEZONE))
    return (
        f"Daily limit reached: all {daily_limit} kick generations used today. "
        f"More at {format_date(local, 'g:i A')} {local.tzname()}."
    )


def failure_of(error: GenerationUnavailable | GenerationFailed) -> str:
    """How the ledger records a generation that ended with `error`."""
    if isinstance(error, GenerationUnavailable):
        return Failure.UNAVAILABLE
    return Failure.RETRYABLE if error.retryable else Failure.PERMANENT


def error_of(failure: str, message: str) -> GenerationUnavailable | GenerationFailed:
    """The error a generation recorded with `failure` ended with (for repeated request ids)."""
    if failure == Failure.UNAVAILABLE:
        return GenerationUnavailable(message)
    return GenerationFailed(message, retryable=failure in (Failure.RETRYABLE, Failure.EXPIRED))

"""Quotas: the daily limit (America/New_York days), the total cap, the global budget, and
idempotent request ids — including under concurrent requests on real threads."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from asgiref.sync import ThreadSensitiveContext
from channels.db import database_sync_to_async as sync_to_async

from kicks import failures, generation, services
from kicks.models import GeneratedKick, KickGeneration
from tests.kicks import conftest
from tests.kicks.conftest import run_in_threads

Status = KickGeneration.Status


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        # Winter (EST, UTC-5): the day turns at 05:00 UTC.
        (datetime(2026, 1, 15, 4, 59, tzinfo=UTC), date(2026, 1, 14)),
        (datetime(2026, 1, 15, 5, 0, tzinfo=UTC), date(2026, 1, 15)),
        # Summer (EDT, UTC-4): at 04:00 UTC — a fixed UTC-5 would be an hour late.
        (datetime(2026, 7, 15, 3, 59, tzinfo=UTC), date(2026, 7, 14)),
        (datetime(2026, 7, 15, 4, 0, tzinfo=UTC), date(2026, 7, 15)),
    ],
)
def test_the_quota_day_follows_new_york(utc, day):
    assert services.quota_day(utc) == day


@pytest.mark.parametrize(
    ("day", "resets_at_utc"),
    [
        (date(2026, 1, 14), datetime(2026, 1, 15, 5, 0, tzinfo=UTC)),
        (date(2026, 7, 14), datetime(2026, 7, 15, 4, 0, tzinfo=UTC)),
        # The days the clocks change are 23 and 25 hours long.
        (date(2026, 3, 8), datetime(2026, 3, 9, 4, 0, tzinfo=UTC)),
        (date(2026, 11, 1), datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_the_day_resets_at_eastern_midnight(day, resets_at_utc):
    assert services.day_resets_at(day) == resets_at_utc


def test_the_daily_limit_message_names_the_eastern_reset_time(settings):
    winter = failures.DailyLimitReached(10, datetime(2026, 1, 15, 5, 0, tzinfo=UTC))
    summer = failures.DailyLimitReached(10, datetime(2026, 7, 15, 4, 0, tzinfo=UTC))

    # Word for word the app's standing notice at the limit (frontend/src/kickgen/kicks.ts).
    assert str(winter) == (
        "Daily limit reached: all 10 kick generations used today. More at 12:00 AM EST."
    )
    assert str(summer).endswith("More at 12:00 AM EDT.")


def generate(user, worker, events, request_id=None):
    del worker  # the entry point uses the configured worker, as in production
    return conftest.generate(user, "hit house", request_id, events)


def store_kicks(user, count: int) -> None:
    GeneratedKick.objects.bulk_create(
        GeneratedKick(
            owner=user,
            name=f"AI: Old {index}",
            audio=f"{user.pk}/{uuid.uuid4()}.wav",
            prompt="hit house",
            seed=index,
        )
        for index in range(count)
    )


def use_generations(user, count: int, day: date | None = None, status=Status.SUCCEEDED) -> None:
    KickGeneration.objects.bulk_create(
        KickGeneration(
            owner=user,
            request_id=uuid.uuid4().hex,
            prompt="hit house",
            seed=index,
            quota_day=day or services.quota_day(),
            status=status,
        )
        for index in range(count)
    )


@pytest.mark.django_db(transaction=True)
class TestLimits:
    def test_the_daily_limit_refuses_the_eleventh_generation(self, make_user, worker, events):
        user = make_user("techno")
        use_generations(user, 9)
        generate(user, worker, events)

        with pytest.raises(failures.DailyLimitReached) as raised:
            generate(user, worker, events)

        assert raised.value.resets_at == services.day_resets_at(services.quota_day())
        assert GeneratedKick.objects.count() == 1
        assert KickGeneration.objects.count() == 10  # the refused request left no record

    def test_deleting_a_kick_gives_no_generation_back(self, make_user, worker, events, settings):
        settings.KICKS_DAILY_LIMIT = 1
        user = make_user("techno")
        kick = generate(user, worker, events).kick

        services.delete_kick(user.pk, kick.pk, confirm=False)

        assert services.allowance(user.pk).remaining_today == 0
        with pytest.raises(failures.DailyLimitReached):
            generate(user, worker, events)

    def test_failed_generations_do_not_count(self, make_user, worker, events):
        user = make_user("techno")
        use_generations(user, 9, status=Status.FAILED)
        use_generations(user, 9)

        generate(user, worker, events)

        assert services.allowance(user.pk).remaining_today == 0

    def test_yesterdays_generations_do_not_count(self, make_user, worker, events):
        user = make_user("techno")
        use_generations(user, 10, day=services.quota_day() - timedelta(days=1))

        generate(user, worker, events)

        assert services.allowance(user.pk).remaining_today == 9

    def test_the_total_cap_counts_stored_kicks(self, make_user, worker, events):
        user = make_user("techno")
        store_kicks(user, 30)

        with pytest.raises(
            failures.TotalCapReached, match=r"Delete kicks to generate more \(30/30\)"
        ):
            generate(user, worker, events)

    def test_the_total_cap_counts_generations_in_flight(self, make_user, worker, events):
        user = make_user("techno")
        store_kicks(user, 29)
        services.reserve_generation(user.pk, "hit house", "in-flight", events)

        with pytest.raises(failures.TotalCapReached):
            generate(user, worker, events)

    def test_the_global_budget_stops_everyone(self, make_user, worker, events, settings):
        settings.KICKS_GLOBAL_DAILY_BUDGET = 2
        use_generations(make_user("first"), 2)

        with pytest.raises(failures.GenerationUnavailable, match="capacity"):
            generate(make_user("second"), worker, events)

    def test_a_repeated_request_id_returns_the_first_kick(self, make_user, worker, events):
        user = make_user("techno")
        first = generate(user, worker, events, request_id="same")

        again = generate(user, worker, events, request_id="same")

        assert again.kick == first.kick
        assert GeneratedKick.objects.count() == KickGeneration.objects.count() == 1

    def test_a_repeated_request_id_returns_the_first_failure(
        self, make_user, events, settings, tmp_path
    ):
        from kicks.workers import configured_worker

        settings.KICK_MODEL = str(tmp_path / "missing")
        user = make_user("techno")
        with pytest.raises(failures.GenerationUnavailable):
            generate(user, configured_worker(), events, request_id="same")

        with pytest.raises(failures.GenerationUnavailable):
            generate(user, configured_worker(), events, request_id="same")
        assert KickGeneration.objects.count() == 1

    def test_a_repeated_request_id_whose_kick_was_deleted_fails(self, make_user, worker, events):
        user = make_user("techno")
        kick = generate(user, worker, events, request_id="same").kick
        services.delete_kick(user.pk, kick.pk, confirm=False)

        with pytest.raises(failures.GenerationFailed, match="deleted") as raised:
            generate(user, worker, events, request_id="same")
        assert not raised.value.retryable

    def test_request_ids_are_per_member(self, make_user, worker, events):
        first = generate(make_user("one"), worker, events, request_id="same")
        second = generate(make_user("two"), worker, events, request_id="same")

        assert first.kick != second.kick


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentRequests:
    def outcomes(self, results):
        kicks = [result for result in results if isinstance(result, services.GenerationSuccess)]
        errors = [
            result for result in results if not isinstance(result, services.GenerationSuccess)
        ]
        return kicks, errors

    def test_twenty_requests_with_ten_left_make_exactly_ten_kicks(self, make_user, worker, events):
        user = make_user("techno")

        results = run_in_threads(20, lambda index: generate(user, worker, events))

        kicks, errors = self.outcomes(results)
        assert len(kicks) == 10
        assert all(isinstance(error, failures.DailyLimitReached) for error in errors), errors
        assert GeneratedKick.objects.filter(owner=user).count() == 10
        assert len({kick.kick.name for kick in kicks}) == 10
        assert services.allowance(user.pk).remaining_today == 0

    def test_twenty_requests_five_below_the_cap_make_exactly_five_kicks(
        self, make_user, worker, events, settings
    ):
        settings.KICKS_DAILY_LIMIT = 100
        user = make_user("techno")
        store_kicks(user, 25)

        results = run_in_threads(20, lambda index: generate(user, worker, events))

        kicks, errors = self.outcomes(results)
        assert len(kicks) == 5
        assert all(isinstance(error, failures.TotalCapReached) for error in errors), errors
        assert GeneratedKick.objects.filter(owner=user).count() == 30

    def test_twenty_members_seven_below_the_budget_make_exactly_seven_kicks(
        self, make_user, worker, events, settings
    ):
        settings.KICKS_GLOBAL_DAILY_BUDGET = 10
        use_generations(make_user("early"), 3)
        members = [make_user(f"member{index}") for index in range(20)]

        results = run_in_threads(20, lambda index: generate(members[index], worker, events))

        kicks, errors = self.outcomes(results)
        assert len(kicks) == 7
        assert all(isinstance(error, failures.GenerationUnavailable) for error in errors), errors
        assert GeneratedKick.objects.count() == 7

    async def test_concurrent_duplicates_share_one_generation(self, make_user, events):
        """Duplicates on one server: one event loop, each request on its own thread, as the
        ASGI handler runs them (a process has one channel layer, read by one loop)."""
        user = await sync_to_async(make_user)("techno")

        async def request() -> object:
            async with ThreadSensitiveContext():
                return await generation.generate_kick(user.pk, "hit house", "same", observe=events)

        results = await asyncio.gather(*(request() for _ in range(8)), return_exceptions=True)

        kicks, errors = self.outcomes(results)
        assert errors == []
        kick = await sync_to_async(GeneratedKick.objects.get)()
        assert {success.kick.pk for success in kicks} == {kick.pk}
        assert await sync_to_async(KickGeneration.objects.count)() == 1
        assert events.stages().count("DONE") == 1

"""Bounded retries with backoff."""

from __future__ import annotations

import pytest

from a2a_kafka.errors import ConfigurationError
from a2a_kafka.server.retry import RetriesExhaustedError, RetryPolicy


async def test_a_step_that_recovers_is_retried_until_it_succeeds() -> None:
    calls: list[int] = []
    retried: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    policy = RetryPolicy(attempts=4, initial_backoff=0.001)
    assert await policy.run("step", flaky, on_retry=lambda n, _: retried.append(n)) == "ok"
    assert retried == [1, 2]


async def test_retries_are_bounded_and_keep_the_last_failure() -> None:
    async def broken() -> None:
        raise TimeoutError("still down")

    with pytest.raises(RetriesExhaustedError) as caught:
        await RetryPolicy(attempts=3, initial_backoff=0.001).run("producing", broken)
    assert caught.value.attempts == 3
    assert isinstance(caught.value.last, TimeoutError)
    assert "producing failed 3 times" in str(caught.value)


def test_backoff_grows_to_its_bound() -> None:
    policy = RetryPolicy(initial_backoff=0.1, multiplier=2, max_backoff=0.3, jitter=0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == pytest.approx([0.1, 0.2, 0.3, 0.3])


def test_a_policy_needs_one_attempt() -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(attempts=0)

"""Deliveries back off exponentially over about two days, honour Retry-After and give up on permanent errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from federation.retry import GIVE_UP_AFTER, next_attempt

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_delays_double_after_each_failure():
    delays = [(next_attempt(n, START, START, 503, None) - START).total_seconds() for n in range(1, 6)]
    assert delays == [30, 60, 120, 240, 480]


def test_retries_keep_going_for_about_two_days_then_stop():
    now, attempts = START, 0
    while True:
        attempts += 1
        when = next_attempt(attempts, START, now, None, None)
        if when is None:
            break
        now = when
    assert timedelta(days=2) <= now - START <= timedelta(days=2, hours=8)
    assert 10 <= attempts <= 30


def test_permanent_client_errors_stop_at_once_but_not_401_408_429():
    for status in (400, 403, 404, 410, 422):
        assert next_attempt(1, START, START, status, None) is None
    for status in (401, 408, 429, 500, 502):
        assert next_attempt(1, START, START, status, None) is not None


def test_retry_after_in_seconds_and_as_a_date_is_honoured():
    later = next_attempt(1, START, START, 429, "3600")
    assert later == START + timedelta(seconds=3600)
    dated = next_attempt(1, START, START, 503, "Thu, 01 Jan 2026 02:00:00 GMT")
    assert dated == START + timedelta(hours=2)
    # A Retry-After shorter than our own backoff does not make us hammer the server.
    assert next_attempt(3, START, START, 503, "1") == START + timedelta(seconds=120)


def test_gives_up_once_the_window_has_passed():
    assert next_attempt(3, START, START + GIVE_UP_AFTER + timedelta(seconds=1), 503, None) is None

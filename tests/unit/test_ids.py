"""Time-ordered ids: ordered by time, unique within a process, and spread over the second for remote posts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.ids import id_floor, id_published, new_id


def millis_of(status_id: int) -> int:
    return status_id >> 16


def test_ids_made_in_one_millisecond_by_one_process_differ():
    at = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
    ids = [new_id(at) for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(id_floor(at) <= i < id_floor(at + timedelta(milliseconds=1)) for i in ids)


def test_a_whole_second_published_time_takes_the_millisecond_of_arrival():
    published = datetime(2026, 12, 1, 8, 0, 0, tzinfo=UTC)
    now = datetime(2026, 12, 1, 8, 0, 0, 437_900, tzinfo=UTC)
    assert millis_of(id_published(published, now)) == int(published.timestamp() * 1000) + 437
    # Published earlier: still in its own second, so it sorts among the posts of that second.
    later = now + timedelta(minutes=3)
    made = millis_of(id_published(published, later))
    assert int(published.timestamp() * 1000) <= made < int(published.timestamp() * 1000) + 1000


def test_a_precise_published_time_is_kept_and_none_is_after_now():
    now = datetime(2026, 12, 1, 8, 0, 0, 500_000, tzinfo=UTC)
    precise = datetime(2026, 12, 1, 7, 59, 59, 123_000, tzinfo=UTC)
    assert millis_of(id_published(precise, now)) == int(precise.timestamp() * 1000)
    future = now + timedelta(hours=1)
    assert millis_of(id_published(future, now)) == int(now.timestamp() * 1000)

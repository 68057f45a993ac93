"""The report's query: every update of several cycles at once, with the senders' names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.members import delete_member, upsert_member
from storage.progress import first_update_times, record_update, updates_for_cycles

JUL_5, JUL_22, AUG_5 = date(2023, 7, 5), date(2023, 7, 22), date(2023, 8, 5)


async def test_updates_for_cycles(sessionmaker: async_sessionmaker[AsyncSession],
                                  task_ids: dict[str, int], now: datetime) -> None:
    report, other = task_ids["I.1"], task_ids["III.1"]
    async with sessionmaker.begin() as session:
        lan = await upsert_member(session, channel="telegram", channel_user_id="1",
                                  display_name="Chị Lan", unit_id="so-xd", at=now)
        gone = await upsert_member(session, channel="telegram", channel_user_id="2",
                                   display_name="Anh Hùng", unit_id="so-tc", at=now)
        rows = [  # (task, unit, member, cycle, minutes after now, text)
            (report, "so-xd", lan.id, JUL_5, 30, "Sở Xây dựng: đã gửi"),
            (report, "so-khdt", gone.id, JUL_5, 10, "gửi dưới tên cũ"),
            (report, "so-tc", None, JUL_22, 20, "kỳ 22/7"),
            (report, "so-xd", lan.id, AUG_5, 0, "kỳ khác, không hỏi tới"),
            (other, "so-xd", lan.id, JUL_5, 0, "nhiệm vụ khác, cùng ngày"),
            (report, "so-xd", None, None, 0, "không thuộc kỳ nào"),
        ]
        for task_id, unit, member, cycle, minutes, text in rows:
            await record_update(session, task_id=task_id, unit_id=unit, member_id=member,
                                cycle=cycle, text=text, percent=None, status="in_progress",
                                at=now + timedelta(minutes=minutes))
    async with sessionmaker.begin() as session:
        await delete_member(session, gone.id)  # the update stays, without a name

    async with sessionmaker() as session:
        found = await updates_for_cycles(session, [(report, JUL_5), (report, JUL_22)])
        only_xd = await updates_for_cycles(session, [(report, JUL_5)], unit_ids={"so-xd"})
        nothing = await updates_for_cycles(session, [])
        no_units = await updates_for_cycles(session, [(report, JUL_5)], unit_ids=set())
    # Oldest first, across both cycles; a sender who left has no name.
    assert [(u.text, u.cycle, name) for u, name in found] == [
        ("gửi dưới tên cũ", JUL_5, None),
        ("kỳ 22/7", JUL_22, None),
        ("Sở Xây dựng: đã gửi", JUL_5, "Chị Lan"),
    ]
    assert [u.text for u, _ in only_xd] == ["Sở Xây dựng: đã gửi"]
    assert nothing == [] and no_units == []

    # The chart's statuses: each unit's earliest update per cycle, nothing else.
    async with sessionmaker.begin() as session:
        await record_update(session, task_id=report, unit_id="so-xd", member_id=lan.id,
                            cycle=JUL_5, text="lần hai", percent=None, status="done",
                            at=now + timedelta(minutes=90))
    async with sessionmaker() as session:
        first = await first_update_times(session, [(report, JUL_5), (report, JUL_22)])
        assert await first_update_times(session, []) == []
    assert sorted(first) == [
        (report, JUL_5, "so-khdt", now + timedelta(minutes=10)),
        (report, JUL_5, "so-xd", now + timedelta(minutes=30)),
        (report, JUL_22, "so-tc", now + timedelta(minutes=20)),
    ]

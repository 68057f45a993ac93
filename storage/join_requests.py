"""Join requests: someone without an invite asks to join a unit; an admin decides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JoinRequest, JoinStatus


async def open_request(
    session: AsyncSession,
    *,
    channel: str,
    channel_user_id: str,
    chat_id: str,
    display_name: str,
    language: str | None,
    unit_id: str,
    at: datetime,
) -> JoinRequest:
    """A new pending request; the user's earlier pending ones are cancelled, so
    admins only ever see the latest choice of unit."""
    await cancel_pending(session, channel, channel_user_id, at=at)
    request = JoinRequest(
        channel=channel,
        channel_user_id=channel_user_id,
        chat_id=chat_id,
        display_name=display_name,
        language=language,
        unit_id=unit_id,
        status=JoinStatus.PENDING.value,
        decided_by=None,
        created_at=at,
        decided_at=None,
    )
    session.add(request)
    await session.flush()
    return request


async def cancel_pending(
    session: AsyncSession, channel: str, channel_user_id: str, *, at: datetime
) -> int:
    """Withdraw the user's pending requests; how many there were."""
    result = await session.execute(
        update(JoinRequest)
        .where(
            JoinRequest.channel == channel,
            JoinRequest.channel_user_id == channel_user_id,
            JoinRequest.status == JoinStatus.PENDING.value,
        )
        .values(status=JoinStatus.CANCELLED.value, decided_at=at)
        .returning(JoinRequest.id)
    )
    return len(result.all())


async def get_request(session: AsyncSession, request_id: int) -> JoinRequest | None:
    return await session.get(JoinRequest, request_id)


async def pending_requests(session: AsyncSession) -> list[JoinRequest]:
    """Every pending request, oldest first: the order admins should answer them."""
    return list(await session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status == JoinStatus.PENDING.value)
        .order_by(JoinRequest.created_at, JoinRequest.id)
    ))


async def pending_for_user(
    session: AsyncSession, channel: str, channel_user_id: str
) -> JoinRequest | None:
    """The user's pending request, if any (the newest, should two have raced in)."""
    return await session.scalar(
        select(JoinRequest)
        .where(
            JoinRequest.channel == channel,
            JoinRequest.channel_user_id == channel_user_id,
            JoinRequest.status == JoinStatus.PENDING.value,
        )
        .order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc())
        .limit(1)
    )


async def decide(
    session: AsyncSession, request_id: int, *, approve: bool, decided_by: str, at: datetime
) -> JoinRequest | None:
    """Approve or reject a pending request; None when it is no longer pending.

    A conditional UPDATE: when two admins press Approve on the same request, the
    second waits for the first's row lock, finds it decided and gets None, so the
    member is added and announced once.
    """
    status = JoinStatus.APPROVED if approve else JoinStatus.REJECTED
    statement = (
        update(JoinRequest)
        .where(JoinRequest.id == request_id, JoinRequest.status == JoinStatus.PENDING.value)
        .values(status=status.value, decided_by=decided_by, decided_at=at)
        .returning(JoinRequest)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(statement)).one_or_none()


async def move_pending(session: AsyncSession, from_unit: str, to_unit: str) -> int:
    """Pending requests to join ``from_unit`` now ask for ``to_unit`` (a merge): an
    approval must not put anyone in a unit that no longer exists. How many."""
    result = await session.execute(
        update(JoinRequest)
        .where(JoinRequest.unit_id == from_unit, JoinRequest.status == JoinStatus.PENDING.value)
        .values(unit_id=to_unit)
        .returning(JoinRequest.id),
        execution_options={"synchronize_session": "fetch"},
    )
    return len(result.all())

"""Bot API objects as the plain JSON dicts Telegram sends.

Shared by the fake server and the update factories, so that both speak exactly the
shapes python-telegram-bot's ``de_json`` expects (every field it requires is present).
"""

from __future__ import annotations

from typing import Any

JSONDict = dict[str, Any]

DEFAULT_TOKEN = "123456789:AAF-fake-token_for-nhacviec-tests"
DEFAULT_BOT_USERNAME = "NhacViecBot"
DEFAULT_BOT_NAME = "Nhắc việc"

# Supergroup and channel ids are -100 followed by the positive id.
SUPERGROUP_ID_FLOOR = -1_000_000_000_000


def bot_id_from_token(token: str) -> int:
    """The bot's user id is the part of its token before the colon."""
    head, _, _ = token.partition(":")
    return int(head) if head.isdigit() else 1


DEFAULT_BOT_ID = bot_id_from_token(DEFAULT_TOKEN)


def user_dict(
    user_id: int,
    *,
    first_name: str = "Cán bộ",
    is_bot: bool = False,
    username: str | None = None,
    language_code: str | None = None,
) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    return user


def bot_user_dict(
    bot_id: int = DEFAULT_BOT_ID,
    username: str = DEFAULT_BOT_USERNAME,
    first_name: str = DEFAULT_BOT_NAME,
) -> JSONDict:
    return user_dict(bot_id, first_name=first_name, is_bot=True, username=username)


def default_chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= SUPERGROUP_ID_FLOOR else "group"


def chat_dict(
    chat_id: int,
    chat_type: str | None = None,
    *,
    title: str | None = None,
    first_name: str | None = None,
    username: str | None = None,
) -> JSONDict:
    """A Chat; private chats carry the user's name, the others a title."""
    kind = chat_type or default_chat_type(chat_id)
    chat: JSONDict = {"id": chat_id, "type": kind}
    if kind == "private":
        chat["first_name"] = first_name or "Cán bộ"
    else:
        chat["title"] = title or f"Nhóm {chat_id}"
    if username is not None:
        chat["username"] = username
    return chat


def full_chat_dict(chat: JSONDict) -> JSONDict:
    """A ChatFullInfo (the answer to getChat) for a Chat."""
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
_MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
)


def chat_member_dict(user: JSONDict, status: str) -> JSONDict:
    """A ChatMember of the given status: creator, administrator, member, restricted,
    left or kicked."""
    member: JSONDict = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= {"can_be_edited": False, "is_anonymous": False, "can_promote_members": False}
        member |= dict.fromkeys(_ADMIN_RIGHTS, True)
    elif status == "restricted":
        member |= {"is_member": True, "until_date": 0}
        member |= dict.fromkeys(_MEMBER_PERMISSIONS, False)
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    return member

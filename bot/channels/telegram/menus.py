"""The command menus Telegram shows beside the text box, per scope and language.

Vietnamese is the default list (no language code): officers' phones may not report
"vi". Admin commands appear only in the admins' own chats.
"""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from bot.i18n import N_, translator
from bot.members import Member

PRIVATE = (
    ("due", N_("What my unit is due for this month")),
    ("update", N_("Send a progress update")),
    ("history", N_("My unit's recent updates")),
    ("overdue", N_("What is overdue")),
    ("tasks", N_("All my unit's tasks")),
    ("whoami", N_("Who I am for the bot")),
    ("lang", N_("Language: /lang vi or /lang en")),
    ("link", N_("Link my Telegram and Zalo accounts")),
    ("kenh", N_("Where my reminders go: /kenh zalo, telegram or ca-hai")),
    ("start", N_("Join a unit")),
    ("help", N_("How to use the bot")),
    ("leave", N_("Leave and remove my data")),
)
GROUP = (
    ("due", N_("What this group's unit is due for this month")),
    ("bind", N_("Link this group to a unit (group and bot admins)")),
    ("unbind", N_("Unlink this group")),
    ("help", N_("How to use the bot")),
)
ADMIN = (
    ("report", N_("Who has reported for the current cycle")),
    ("broadcast", N_("Send a notice to many at once")),
    ("broadcasts", N_("Recent notices and who acknowledged them")),
    ("invite", N_("An invite link for a unit")),
    ("units", N_("The list of units")),
    ("members", N_("A unit's members and their roles")),
    ("requests", N_("Join requests waiting for a decision")),
    ("audit", N_("The latest admin actions")),
    ("plans", N_("The plans: activate, deactivate")),
)


def _commands(entries: tuple[tuple[str, str], ...], language: str) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(name, t.gettext(description)) for name, description in entries]


async def set_menus(bot: Bot, admins: list[Member]) -> None:
    scopes: list[tuple[BotCommandScope | None, tuple[tuple[str, str], ...]]] = [
        (None, PRIVATE),
        (BotCommandScopeAllPrivateChats(), PRIVATE),
        (BotCommandScopeAllGroupChats(), GROUP),
    ]
    for scope, entries in scopes:
        await bot.set_my_commands(_commands(entries, "vi"), scope=scope)
        await bot.set_my_commands(_commands(entries, "en"), scope=scope, language_code="en")
    for admin in admins:
        if admin.channel == "telegram" and admin.chat_id:
            await bot.set_my_commands(
                _commands(PRIVATE + ADMIN, admin.language or "vi"),
                scope=BotCommandScopeChat(int(admin.chat_id)))

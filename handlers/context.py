"""What a handler receives: the message, who sent it, their language, the use cases,
and what the channel it came from can do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import Translator, normalize_language, translator
from bot.members import Member
from bot.messages import ChatKind, Incoming
from bot.ports import ChannelPort
from bot.services import Services
from bot.usecases import UseCases
from bot.usecases.audit import AuditLog
from bot.usecases.broadcasts import Broadcasts
from bot.usecases.conversations import Conversations
from bot.usecases.groups import Groups
from bot.usecases.links import Links
from bot.usecases.membership import Membership
from bot.usecases.onboarding import Onboarding
from bot.usecases.preferences import Preferences
from bot.usecases.progress import ProgressBook
from bot.usecases.reminders import ReminderEngine
from bot.usecases.reports import Reports
from bot.usecases.unit_admin import UnitAdmin


@dataclass(frozen=True)
class Context:
    incoming: Incoming
    member: Member | None
    app: UseCases
    port: ChannelPort
    now: datetime  # tz-aware, in the province's time zone

    @property
    def services(self) -> Services:
        return self.app.services

    @property
    def onboarding(self) -> Onboarding:
        return self.app.onboarding

    @property
    def progress(self) -> ProgressBook:
        return self.app.progress

    @property
    def groups(self) -> Groups:
        return self.app.groups

    @property
    def conversations(self) -> Conversations:
        return self.app.conversations

    @property
    def preferences(self) -> Preferences:
        return self.app.preferences

    @property
    def reminders(self) -> ReminderEngine:
        return self.app.reminders

    @property
    def broadcasts(self) -> Broadcasts:
        return self.app.broadcasts

    @property
    def audit(self) -> AuditLog:
        return self.app.audit

    @property
    def reports(self) -> Reports:
        return self.app.reports

    @property
    def membership(self) -> Membership:
        return self.app.membership

    @property
    def unit_admin(self) -> UnitAdmin:
        return self.app.unit_admin

    @property
    def links(self) -> Links:
        return self.app.links

    @property
    def is_admin(self) -> bool:
        return self.member is not None and self.member.is_admin

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def in_group(self) -> bool:
        return self.incoming.chat_kind is ChatKind.GROUP

    @property
    def language(self) -> str:
        """The member's choice (/lang), else what their app reports, else Vietnamese."""
        if self.member and self.member.language:
            return self.member.language
        if self.incoming.language_code:
            return normalize_language(self.incoming.language_code)
        return self.services.settings.default_language

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def actor(self) -> str:
        """How the audit log and decisions name the sender: "telegram:123"."""
        return f"{self.incoming.channel}:{self.incoming.user_id}"

    def _(self, message: str) -> str:
        return self.t.gettext(message)

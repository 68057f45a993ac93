"""What a handler receives: the message, who sent it, their language, and the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.i18n import Translator, translator
from bot.members import Member
from bot.messages import Incoming
from bot.services import Services


@dataclass(frozen=True)
class Context:
    incoming: Incoming
    member: Member | None
    services: Services
    now: datetime  # tz-aware, in the province's time zone

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def language(self) -> str:
        if self.member and self.member.language:
            return self.member.language
        return self.services.settings.default_language

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def _(self, message: str) -> str:
        return self.t.gettext(message)

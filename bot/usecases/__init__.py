"""Use cases beyond the core ``Services``: each module one feature, domain + storage.

``UseCases`` bundles them for the conversation layer, built once by the
composition root.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import Services
from bot.usecases.audit import AuditLog
from bot.usecases.broadcasts import Broadcasts
from bot.usecases.broadcasts import Renderer as BroadcastRenderer
from bot.usecases.conversations import Conversations
from bot.usecases.groups import Groups
from bot.usecases.links import Links
from bot.usecases.membership import Membership
from bot.usecases.onboarding import Onboarding
from bot.usecases.plan_imports import PlanImports
from bot.usecases.preferences import Preferences
from bot.usecases.progress import ProgressBook
from bot.usecases.reminders import ReminderEngine, Renderer
from bot.usecases.reports import Reports
from bot.usecases.unit_admin import UnitAdmin


@dataclass(frozen=True)
class UseCases:
    services: Services
    onboarding: Onboarding
    progress: ProgressBook
    groups: Groups
    conversations: Conversations
    preferences: Preferences
    reminders: ReminderEngine
    audit: AuditLog
    broadcasts: Broadcasts
    reports: Reports
    membership: Membership
    unit_admin: UnitAdmin
    links: Links
    plan_imports: PlanImports

    @classmethod
    def build(cls, services: Services, render: Renderer,
              render_broadcast: BroadcastRenderer) -> UseCases:
        """``render`` words the reminders, ``render_broadcast`` the broadcasts: views,
        so the composition root passes them in. Every admin action records itself in
        the one audit log."""
        audit = AuditLog(services)
        reports = Reports(services, audit)
        unit_admin = UnitAdmin(services, audit)
        return cls(services, Onboarding(services, audit), ProgressBook(services),
                   Groups(services, audit), Conversations(services),
                   Preferences(services, audit), ReminderEngine(services, render), audit,
                   Broadcasts(services, render_broadcast, reports.missing_for), reports,
                   Membership(services, audit), unit_admin, Links(services, audit),
                   PlanImports(services, unit_admin, audit))

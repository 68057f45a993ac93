"""Persistence: engine and sessions (db), models, migrations, and one module of
plain async query functions per aggregate (units, plans, members, progress,
outbox, audit, seed). Functions take an ``AsyncSession`` and never commit; times
are arguments. Nothing here knows about chats or messengers."""

"""The local web chat (``nhacviec run`` without a messenger token): see ``channel``."""

from bot.channels.web.channel import CHANNEL, WebChat, WebPersona
from bot.channels.web.clock import DemoClock

__all__ = ["CHANNEL", "DemoClock", "WebChat", "WebPersona"]

"""The payments tests' servers (``servers.py``): localstripe, a webhook receiver, the stand-in."""

from __future__ import annotations

from .servers import API_KEY, WEBHOOK_SECRET, LocalStripe, Received, localstripe, standin, webhook_receiver

__all__ = [
    "API_KEY",
    "WEBHOOK_SECRET",
    "LocalStripe",
    "Received",
    "localstripe",
    "standin",
    "webhook_receiver",
]

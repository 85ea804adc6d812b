"""The services container: what cogs and the presentation layer may use, reached as ``bot.services``.

Discord-free, so nothing under bot/ui needs bot/app.py (the composition root) to name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp

from bot.config import Settings
from bot.jobs.enhance import PromptEnhancer
from bot.jobs.notify import Notifier
from bot.jobs.runner import Runner
from bot.jobs.service import JobService
from bot.pacing import AckFirst
from bot.spending.budget import SpendingPolicy
from bot.store import SqlStore


@dataclass
class Services:
    """The application's services, built once by bot/app.py."""

    settings: Settings
    session: aiohttp.ClientSession
    store: SqlStore
    jobs: JobService
    runner: Runner
    notifier: Notifier
    spending: SpendingPolicy  # prices: the server's, else the catalogue's, else PRICE_PER_VIDEO
    enhancer: PromptEnhancer  # ✨ Enhance (off when the operator says so)
    ack_first: AckFirst = field(default_factory=AckFirst)  # follow-up work gives way to acknowledgements

"""Discord-like rate limits for the stand-in: per-route buckets and the global 50 requests/s for
bot-token routes (interaction routes are exempt), with the headers discord.py paces itself by."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

GLOBAL_PER_S = 50

# (method, path pattern, requests, per seconds); the first group of the pattern is the major parameter.
ROUTES = (
    ("PATCH", re.compile(r"^/webhooks/\d+/([^/]+)/messages/"), 5, 2.0),
    ("POST", re.compile(r"^/webhooks/\d+/([^/]+)$"), 5, 2.0),
    ("PATCH", re.compile(r"^/channels/(\d+)/messages/\d+$"), 5, 5.0),
    ("POST", re.compile(r"^/channels/(\d+)/messages$"), 5, 5.0),
)


@dataclass
class Bucket:
    limit: int
    per: float
    hits: list[float] = field(default_factory=list)

    def take(self, now: float) -> float:
        """Take a slot; return 0 on success, else the seconds until one frees."""
        self.hits = [h for h in self.hits if now - h < self.per]
        if len(self.hits) >= self.limit:
            return self.per - (now - self.hits[0])
        self.hits.append(now)
        return 0.0

    def headers(self, now: float, name: str) -> dict[str, str]:
        reset_after = self.per - (now - self.hits[0]) if self.hits else self.per
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - len(self.hits)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{now + reset_after:.3f}",
            "X-RateLimit-Bucket": name,
        }


class RateLimiter:
    """Decides, per request, whether Discord would answer 429."""

    def __init__(self) -> None:
        self.buckets: dict[str, Bucket] = {}
        self.global_hits: list[float] = []
        self.limited = 0

    def check(self, method: str, path: str, *, bot_auth: bool) -> tuple[float, bool, dict[str, str]]:
        """Return (retry_after, is_global, headers); retry_after 0 means the request may go ahead."""
        now = time.monotonic()
        if bot_auth:
            self.global_hits = [h for h in self.global_hits if now - h < 1.0]
            if len(self.global_hits) >= GLOBAL_PER_S:
                self.limited += 1
                return 1.0 - (now - self.global_hits[0]), True, {}
        for route_method, pattern, limit, per in ROUTES:
            match = pattern.match(path)
            if route_method != method or match is None:
                continue
            name = f"{method}:{pattern.pattern}:{match.group(1)}"
            bucket = self.buckets.setdefault(name, Bucket(limit, per))
            wait = bucket.take(now)
            if wait > 0:
                self.limited += 1
                return wait, False, {}
            if bot_auth:
                self.global_hits.append(now)
            return 0.0, False, bucket.headers(now, str(abs(hash(pattern.pattern)) % 10**8))
        if bot_auth:
            self.global_hits.append(now)
        return 0.0, False, {}

"""Prometheus metrics (one registry for reelbot) and the job context carried into log lines.

The metric objects are module-level, as prometheus-client intends; they only count, and nothing
reads them back, so they never steer behaviour.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

JOBS = Gauge("reelbot_jobs", "Jobs in the store by state (read at scrape time).", ["state"], registry=REGISTRY)
QUEUE_DEPTH = Gauge("reelbot_queue_depth", "Jobs waiting for a provider slot.", registry=REGISTRY)
PROVIDER_LATENCY = Histogram(
    "reelbot_provider_request_seconds",
    "Latency of CogVideoX API calls.",
    ["call"],
    registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
PROVIDER_ERRORS = Counter(
    "reelbot_provider_errors_total",
    "CogVideoX API errors by business code or status.",
    ["call", "code"],
    registry=REGISTRY,
)
DISCORD_429 = Counter("reelbot_discord_rate_limited_total", "429 answers from Discord.", registry=REGISTRY)
SPEND = Counter(
    "reelbot_spend_credits_total",
    "Credits spent (jobs the provider accepted), per server.",
    ["guild"],
    registry=REGISTRY,
)
POLLS = Counter("reelbot_polls_total", "Result lookups sent to the provider.", registry=REGISTRY)
DELIVERY_LAG = Histogram(
    "reelbot_delivery_lag_seconds",
    "From the provider's result seen to the member's final message.",
    registry=REGISTRY,
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)

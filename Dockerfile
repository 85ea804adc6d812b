# syntax=docker/dockerfile:1
# Two stages: build the virtualenv, then copy it into a slim runtime with no build tools.
FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY cogs ./cogs
RUN /venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
LABEL org.opencontainers.image.title="reelbot" \
      org.opencontainers.image.description="Self-hosted Discord bot that turns prompts and pictures into CogVideoX videos, within a per-server budget." \
      org.opencontainers.image.licenses="MIT"
RUN useradd --create-home --uid 10001 reelbot && mkdir /data && chown 10001 /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/reelbot.sqlite3 \
    DATA_DIR=/data \
    METRICS_PORT=9100 \
    METRICS_HOST=0.0.0.0
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["reelbot"]
CMD ["run"]

# syntax=docker/dockerfile:1
# Two stages: build the virtualenv, then copy it into a slim runtime with no build tools.
FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN /venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 reelbot && mkdir /data && chown reelbot /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/reelbot.sqlite3 \
    DATA_DIR=/data
USER reelbot
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["reelbot"]
CMD ["run"]

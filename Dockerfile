# ai-leverage-bot: a slim, non-root image. Build: docker build -t ai-leverage-bot .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000 \
    LOG_FORMAT=json
RUN useradd --system --uid 10001 --home-dir /app --create-home leverage
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001
EXPOSE 3000
# Liveness: /healthz answers 200 while the process and its database answer.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]
# SIGTERM drains (releases held deliveries) and exits 0 within about 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["leverage-bot"]
CMD ["serve"]

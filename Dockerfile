# Titan Image Playground: slim Python base, non-root user, every option by environment.
# MALLOC_ARENA_MAX=2: the server's many threads would otherwise each keep freed image memory.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TITAN_HOST=0.0.0.0 \
    TITAN_PORT=7860 \
    TITAN_ENGINE=auto \
    TITAN_HISTORY_DIR=/data/history \
    TITAN_SPEND=/data/spend.json \
    TITAN_HISTORY_INDEX_DIR=/data/history-index \
    GRADIO_ANALYTICS_ENABLED=False \
    MALLOC_ARENA_MAX=2

WORKDIR /app
COPY requirements-app.txt .
RUN pip install -r requirements-app.txt
# Only what the app runs: no tests, benchmarks or docs in the image.
COPY app.py ./
COPY titan ./titan
COPY ui ./ui
COPY assets ./assets

RUN useradd --create-home --uid 10001 playground \
    && mkdir -p /data && chown -R playground /app /data
USER playground
# History (every image with its request) and the day's spend survive container restarts.
VOLUME ["/data"]

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"TITAN_PORT\", \"7860\")}/', timeout=4)"

CMD ["python", "app.py"]

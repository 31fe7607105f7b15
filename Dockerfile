# Bridges: one image for the web nodes and the scheduler (compose.yaml, docs/deployment.md).
#   docker build -t bridges .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    FLASK_APP=wsgi:app \
    BRIDGES_CONFIG=production

# pg_dump/pg_restore for the nightly backup (flask backup); same major version as the server.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

# The service runs as this user, never as root.
RUN groupadd --system --gid 10001 bridges \
    && useradd --system --uid 10001 --gid bridges --home-dir /app --shell /usr/sbin/nologin bridges

WORKDIR /app
RUN python -m venv /opt/venv
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir web matcher jobs && pip install --upgrade pip && pip install .  && pip uninstall -y bridges
COPY --chown=root:root wsgi.py babel.cfg ./
COPY --chown=root:root web ./web
COPY --chown=root:root matcher ./matcher
COPY --chown=root:root jobs ./jobs
COPY --chown=root:root migrations ./migrations
COPY --chown=root:root deploy ./deploy
# Editable: the app finds migrations/ beside web/. The code stays owned by root (read-only
# for the service); only instance/ and the backup folder are writable.
RUN pip install --no-deps -e . \
    && mkdir -p /app/instance /var/backups/bridges /run/bridges-metrics /var/cache/bridges/numba \
    && chown bridges:bridges /app/instance /var/backups/bridges /run/bridges-metrics /var/cache/bridges/numba

USER bridges
# NUMBA_CACHE_DIR: the matcher's compiled code (numba), cached where the service can write.
ENV GUNICORN_BIND=0.0.0.0:8000 \
    NUMBA_CACHE_DIR=/var/cache/bridges/numba \
    PROMETHEUS_MULTIPROC_DIR=/run/bridges-metrics \
    BACKUP_DIR=/var/backups/bridges
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]

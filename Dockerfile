# The Token Gate service: one image for the web process (gunicorn, the default command), the
# Celery worker and beat, and the one-shot `migrate` (docker-compose.yml runs all four).
#
#   docker build -t tokengate .
#   docker run --env-file .env -p 8000:8000 tokengate
FROM python:3.11-slim

# /data is the data folder (beat's schedule; the embedded defaults' SQLite and broker, which
# docker-compose.yml replaces with PostgreSQL and Redis); mount a volume there where it must
# last. The static files are collected into the image below and served by WhiteNoise.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TOKENGATE_DATA_DIR=/data \
    DJANGO_STATIC_ROOT=/app/static

WORKDIR /app

# Runtime dependencies only (every one ships manylinux wheels: no compiler in the image).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY manage.py ./
COPY config/ config/
COPY tokengate/ tokengate/

# collectstatic imports the settings, which need a secret key and a data folder: give it
# throwaway ones so that nothing of the build lands in the image but the static files.
RUN TOKENGATE_DATA_DIR=/tmp/collectstatic DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/collectstatic

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home tokengate \
    && mkdir -p /data \
    && chown tokengate:tokengate /data
USER tokengate:tokengate

EXPOSE 8000

# Liveness over plain HTTP (SECURE_SSL_REDIRECT exempts /healthz), with the first of
# DJANGO_ALLOWED_HOSTS as the Host header so that Django's host check lets the probe in.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('DJANGO_ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

CMD ["gunicorn", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000"]

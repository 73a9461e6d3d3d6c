FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN DEBUG=true python manage.py collectstatic --no-input \
    && (DEBUG=true python manage.py compilemessages -v0 || true)
RUN useradd --system --uid 1000 teoffice && chown -R teoffice /app
USER teoffice
EXPOSE 8000
CMD ["gunicorn", "teoffice.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]

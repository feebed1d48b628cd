FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY hub ./hub
COPY graph ./graph
COPY api ./api
COPY policies ./policies
COPY protection ./protection
COPY migrations ./migrations
RUN pip install . && useradd --system --uid 10001 hub && chown -R hub /app
USER hub

EXPOSE 8000
# Migrations are applied on every start; applying twice does nothing the second time.
CMD ["sh", "-c", "hub migrate && hub serve"]

# syntax=docker/dockerfile:1
# The hub as a council runs it: built in throwaway stages, run from a virtualenv in a slim
# image as an unprivileged user whose only writable place is /var/lib/hub (a volume).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# The pages' browser assets (GOV.UK Frontend and the rest), pinned by package-lock.json and
# copied into web/static/vendor by `make web-assets`, as on a developer's machine.
FROM ${NODE_IMAGE} AS assets
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile pyproject.toml package.json package-lock.json ./
RUN make web-assets

# The wheel's install: code, migrations and policy files into /opt/hub, compiled to bytecode
# here so that nothing is written beside the code at run time. Not editable: nothing reads
# /src once this stage is done.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/hub
WORKDIR /src
COPY . .
COPY --from=assets /src/web/static/vendor web/static/vendor
RUN /opt/hub/bin/pip install /src

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --home-dir /var/lib/hub --shell /usr/sbin/nologin hub \
    && install -d -o hub -g hub -m 0700 /var/lib/hub /var/lib/hub/keys
COPY --from=build /opt/hub /opt/hub
# Development keys, when the hub makes them (never in production), and the audit checkpoint
# log go under /var/lib/hub; secrets come as files (HUB_*_FILE, HUB_KEK_FILE, ...) mounted by
# Docker or Kubernetes, never baked in.
ENV PATH=/opt/hub/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUB_API_HOST=0.0.0.0 \
    HUB_API_PORT=8000 \
    HUB_DEV_KEYS_DIR=/var/lib/hub/keys
WORKDIR /var/lib/hub
USER 10001:10001
VOLUME ["/var/lib/hub"]
EXPOSE 8000
# Healthy means ready to serve (/readyz: Neo4j reachable, migrated, policy usable), which is
# what `depends_on: service_healthy` and a load balancer need. An orchestrator that restarts
# on unhealthy should probe /livez instead, as the Helm chart does, or an outage of Neo4j
# restarts every replica.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('HUB_API_PORT', '8000'), timeout=2)"]
# Exec form, no shell: `hub serve` is PID 1 and the server itself (it migrates first, waiting
# for Neo4j and for other replicas' migrations), so SIGTERM reaches uvicorn, which finishes the
# requests in flight and exits. It starts no child processes, so it has none to reap.
ENTRYPOINT ["hub"]
CMD ["serve", "--migrate"]

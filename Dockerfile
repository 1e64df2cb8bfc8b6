# syntax=docker/dockerfile:1
# The worker image: maturin builds the wheel in a full toolchain stage; the runtime stage
# is a slim Python with only the installed wheel. docker-compose.yml builds it.
#   docker build -t project-ai-temporal-worker .
#   docker run --rm -e TEMPORAL_HOST=host.docker.internal:7233 project-ai-temporal-worker

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG RUST_VERSION=1.92.0
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --profile minimal --default-toolchain "${RUST_VERSION}"
ENV PATH="/root/.cargo/bin:${PATH}"
RUN pip install --no-cache-dir 'maturin>=1.9,<2'
WORKDIR /src
# Manifests first: the dependency download layer is reused while only the code changes.
COPY Cargo.toml Cargo.lock pyproject.toml README.md ./
COPY src ./src
COPY python ./python
RUN maturin build --release --locked --out /wheels

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 1000 worker \
    && mkdir -p /app/data && chown worker:worker /app/data
WORKDIR /app
USER worker
ENV PYTHONUNBUFFERED=1 PROJECT_AI_DATA_DIR=/app/data
VOLUME ["/app/data"]
# SIGTERM (docker stop) drains running activities within graceful_shutdown_timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["project-ai-temporal"]
CMD ["worker"]

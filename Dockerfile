# syntax=docker/dockerfile:1
#
# The kubectl-kro binary — the kubectl plugin and the kro controller in one — as a container
# image. `kubectl kro install` runs it as `kubectl-kro controller`.
#
#   docker build -t ghcr.io/kro-rs/kubectl-kro:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/kro-rs/kubectl-kro:0.1.0 --push .
#
# The builder compiles a static musl binary (Alpine's Rust targets musl and links statically),
# so the final image needs no libc: distroless/static, running as the non-root user 65532 that
# the install's Deployment asks for.

FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p kubectl-kro \
    && cp target/release/kubectl-kro /usr/local/bin/kubectl-kro

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="kubectl-kro" \
      org.opencontainers.image.description="kro controller and kubectl plugin for ResourceGraphDefinitions" \
      org.opencontainers.image.source="https://github.com/kro-rs/kro-rs" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /usr/local/bin/kubectl-kro /usr/local/bin/kubectl-kro
USER 65532:65532
# The controller's metrics and health ports (SPEC A8).
EXPOSE 8078 8079
ENTRYPOINT ["kubectl-kro"]
CMD ["controller"]

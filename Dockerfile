# kawa's container image: the package built from this checkout, on a slim Node.js base, run as a non-root
# user on a read-only root file system. Built and run by scripts/image-test.sh (docs/eks.md deploys it).
#
#   docker build -t kawa .                                  # or: buildah build -t kawa .
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim --build-arg VCS_REF=$(git rev-parse --short=12 HEAD) .
#
# NODE_IMAGE: any Debian-based Node.js image of a line kawa supports (20, 22, 24: package.json "engines").
# Both stages use it, so a build needs that one image only.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# the allow-list of .dockerignore decides what comes in: sources, rules, samples, the lockfile
COPY . .
# npm ci installs exactly the lockfile and builds (prepare: generated tables, WebAssembly, TypeScript); the
# development dependencies (compilers) are then removed, so the runtime copies only what `kawa` loads. No
# build argument is used before this step, so a new commit with the same sources reuses its cached layer.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf wasm/engine.test.wasm wasm/*.wat

FROM ${NODE_IMAGE}
# a fixed uid/gid (not the base image's `node` user, 1000) so that runAsUser, fsGroup and a PVC's owner can
# be written down in the chart; no home directory is written to
RUN groupadd --system --gid 10001 kawa \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin kawa \
 && mkdir -p /var/lib/kawa /etc/kawa \
 && chown 10001:10001 /var/lib/kawa
WORKDIR /opt/kawa
COPY --from=build /src/package.json /src/build-info.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/wasm ./wasm
COPY --from=build /src/rules ./rules
COPY --from=build /src/samples ./samples
COPY --from=build /src/node_modules ./node_modules
RUN ln -s /opt/kawa/bin/kawa.js /usr/local/bin/kawa
# the commit (shown by `kawa version` and the kawa_build_info metric) and the labels come last: they change
# with every commit, the layers above only with the sources
ARG VCS_REF=unknown
ARG VERSION=0.1.0
RUN if [ "$VCS_REF" != unknown ]; then printf '{"commit":"%s"}\n' "$VCS_REF" > build-info.json; fi
LABEL org.opencontainers.image.title="kawa" \
      org.opencontainers.image.description="A Falco-compatible detection engine for Kubernetes audit logs (EKS: CloudWatch Logs, Kinesis, audit webhook)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.documentation="docs/eks.md"
# read-only root file system: the only writes are the CloudWatch checkpoint (a volume at /var/lib/kawa) and
# temporary files (an emptyDir at /tmp); NODE_ENV keeps libraries on their production paths
ENV NODE_ENV=production
VOLUME ["/var/lib/kawa"]
USER 10001:10001
# 8765: health (/healthz, /readyz) and /metrics; 9765: the audit webhook source
EXPOSE 8765 9765
# PID 1 is kawa itself (node): it installs its own SIGTERM/SIGINT handlers (graceful shutdown within
# shutdown_timeout_ms, runtime/signals.ts), so no init is needed to forward the signal. The one thing an init
# would add, reaping orphaned grandchildren, matters only with program_output; run with `--init` (docker) or
# shareProcessNamespace (Kubernetes) then.
ENTRYPOINT ["kawa"]
CMD ["--help"]

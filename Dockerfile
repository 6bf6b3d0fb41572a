# syntax=docker/dockerfile:1
#
# mcpwatch container image.
#
#   toolchain  Node plus the native build tools better-sqlite3 needs when no prebuilt binary fits
#   build      every dependency (`npm ci`), `tsc`, then `npm pack`: package.json `files` decides
#              what ships, exactly as for an npm install
#   prod       the packed artifact plus production dependencies only (`npm ci --omit=dev`)
#   runtime    Node and /app from `prod`: no compiler, no devDependencies, not root
#
# Base: Debian 12 "bookworm" slim (glibc). better-sqlite3 publishes prebuilt binaries for glibc
# Linux, and where none fits (another Node ABI, arm64 variants, an offline builder) it compiles
# from source in `toolchain`; on Alpine (musl) prebuilt coverage is thinner and a compile fallback
# needs python3/make/g++ plus musl quirks, for an image only ~40 MB smaller. Node 24 is an LTS line
# that better-sqlite3 12 supports (engines 20.x–26.x); fastify's light-my-request → cookie@2
# already asks for Node >= 22, so 20 is no longer the line to ship. Pin a digest in production.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

FROM toolchain AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Full install (devDependencies included: typescript), cached until the lockfile changes. No
# install scripts: tsc needs no native module, and no devDependency's script runs in the build.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY migrations/ migrations/
COPY web/ web/
RUN npm run build && npm pack --pack-destination .

# Not FROM build: nothing of the full install (typescript, test servers) can leak into /app.
FROM toolchain AS prod
WORKDIR /app
COPY --from=build /src/mcpwatch-*.tgz ./
COPY package-lock.json ./
# The lockfile pins production dependencies too; better-sqlite3 gets a prebuilt binary or is
# compiled here. Its sources and intermediate objects are then dropped (the .node file stays).
RUN --mount=type=cache,target=/root/.npm tar -xzf mcpwatch-*.tgz --strip-components=1 \
 && rm mcpwatch-*.tgz \
 && npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
           node_modules/better-sqlite3/build/Release/obj node_modules/better-sqlite3/build/Release/obj.target \
           node_modules/better-sqlite3/build/Release/.deps node_modules/better-sqlite3/build/Release/test_extension.node \
           node_modules/better-sqlite3/build/Release/sqlite3.a

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# busybox gives the HEALTHCHECK a ~1 MB HTTP client (slim has neither curl nor wget; a `node -e`
# check would start a 40 MB process every interval). Debian's busybox installs no applet links.
# /data is created and handed to the service user before VOLUME: a new named volume is seeded
# with this directory's owner, and changes to a path after VOLUME are discarded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends busybox \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mcpwatch \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mcpwatch \
 && mkdir /data \
 && chown 10001:10001 /data
ENV NODE_ENV=production \
    MCPWATCH_HOST=0.0.0.0 \
    MCPWATCH_PORT=8080 \
    MCPWATCH_DATA_DIR=/data
WORKDIR /app
# Owned by root, read-only to the service: it writes only under /data.
COPY --from=prod /app /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# An MCP initialize, the way a client meets the server; healthy when the answer names a
# protocolVersion. Runs as the user above with the container's environment. The time limit is
# --timeout's: bookworm's busybox 1.35 wget crashes (SIGSEGV) when given -T. --start-interval
# (Docker Engine >= 25; older engines ignore it) checks every 2 s while starting, so a proxy
# waiting on service_healthy starts within seconds instead of after the first 30 s interval.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --start-interval=2s --retries=3 \
  CMD busybox wget -q -O - \
      --header 'Content-Type: application/json' \
      --header 'Accept: application/json, text/event-stream' \
      --post-data '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"docker-healthcheck","version":"1"}}}' \
      "http://127.0.0.1:${MCPWATCH_PORT:-8080}/mcp" | grep -q '"protocolVersion"' || exit 1
# Exec form: node is PID 1 and receives SIGTERM itself; `serve` drains in-flight probes
# (scheduler.drainTimeoutMs, 25 s) and exits 0. Give `docker stop` more than that (compose: 35 s).
CMD ["node", "dist/src/main.js", "serve"]

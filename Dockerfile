# Build stage: compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY tools ./tools
COPY src ./src
COPY pollers ./pollers
COPY test ./test
COPY bench ./bench
RUN npm run build

# Runtime stage: production dependencies only, non-root, node as PID 1 receives SIGTERM directly.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/pollers ./dist/pollers
COPY --from=build /app/dist/cli.js ./dist/cli.js
COPY config ./config
USER node
EXPOSE 9050
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start", "--config", "config/default.yaml"]

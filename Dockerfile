# Multi-stage: build with dev dependencies (type-check, Prisma client, dist/), run with production ones only.
# The context is the sources without tests, benchmarks or .env files (.dockerignore).
# Node 24 LTS; package.json's engines still allow ≥ 20.19, and CI runs the tests on both (.ci/run).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 IMAGES_DIR=/app/data/images
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data/images && chown -R node:node /app/data
USER node
EXPOSE 3000
# Role: api, worker, or nothing for both (see docker-compose.yml). The start command of `npm run start:*`:
# compiled JavaScript, the allocator settings and the worker's young-generation cap (bin/start.sh).
ENTRYPOINT ["sh", "bin/start.sh"]

# Multi-stage: build with dev dependencies (type-check, Prisma client, dist/), run with production ones only.
# Node 24 LTS; package.json's engines still allow ≥ 20.19, and CI runs the tests on both (.ci/run).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX: glibc's per-thread arenas hold on to what sharp's threads freed (see README, Performance).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 IMAGES_DIR=/app/data/images MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data/images && chown -R node:node /app/data
USER node
EXPOSE 3000
# Role: api, worker, or nothing for both (see docker-compose.yml). Compiled JavaScript, as `npm run start:*`
# runs it: no TypeScript compiler loaded in the process (see README, Performance).
ENTRYPOINT ["node", "dist/main.js"]

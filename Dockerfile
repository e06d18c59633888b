# The application image: web, worker and migrate all run from it.
# Stage 1 builds the native modules (better-sqlite3) with a compiler the final image does not carry,
# and compiles the TypeScript to dist/: the processes run plain JavaScript, with no TypeScript
# loader (and its transform cache) resident in every one of them. Then the dev tools are pruned.
FROM node:26-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci runs the package's `prepare` script (scripts/build-if-stale.mjs), which has nothing to
# build before the sources are copied in: the dependency layer stays cached across code changes.
COPY scripts/build-if-stale.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:26-bookworm-slim
# MALLOC_ARENA_MAX=2: glibc's per-thread arenas fragment under libvips (sharp's advice); it
# keeps the image work's RSS flat. It must be set before node starts.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    MALLOC_ARENA_MAX=2
WORKDIR /app
# ffmpeg turns animated GIFs into MP4 videos (the media queue's job); libheif-examples'
# heif-convert decodes HEIC photos (HEVC, which sharp's own libvips cannot) for the web process.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg libheif-examples \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
COPY static ./static
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthy/is-healthy').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# --max-old-space-size: V8 sizes its heap for the machine (about 4 GB on a big host) and then
# lets the old generation grow to 4× its live data before collecting; a web process lives in
# about 40 MB, and under load it grew to 250-300 MB of garbage. A 1 GB limit (still 25× the
# live data) makes V8 collect at about 1.6× instead: peak RSS under load about 200 MB.
CMD ["node", "--max-old-space-size=1024", "dist/src/server.js"]

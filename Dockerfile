# The runtime image of Weft's task pods: a pod runs `weft step …` and nothing else, so
# the image holds only what dist/task-main.js and its chunks import (the dependencies in
# package.json), not the CLI, compiler or server stacks (optionalDependencies) nor the
# examples' libraries (a workspace). See docs/runtime-image.md.
#
# Build from a built checkout, since dist/ is not built inside the image:
#   npm ci && npm run build && docker build -t weft-runtime:0.1.0 .

# Install stage: the task-only set, exactly as package-lock.json pins it.
FROM node:20-slim AS deps
WORKDIR /opt/weft
COPY package.json package-lock.json ./
# --omit=optional leaves out the CLI, compiler and server stacks; --omit=dev the dev tools;
# --workspaces=false the example's ML libraries; --ignore-scripts skips `prepare`, which
# would build dist/ with esbuild (left out, and dist/ is copied in below).
RUN npm ci --omit=dev --omit=optional --workspaces=false --ignore-scripts --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /opt/weft
COPY --from=deps /opt/weft/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY dist ./dist
RUN ln -s /opt/weft/bin/weft.mjs /usr/local/bin/weft
# The image's `node` user, by number so Kubernetes' runAsNonRoot can verify it. A task's
# local state ($WEFT_HOME, by default ./.weft) goes under its writable home.
USER 1000:1000
WORKDIR /home/node
# The storage SDK's V8 code cache, made by this image's Node as the tasks' user, in the
# WEFT_HOME that a task finds (./.weft): a pod's files die with it, so a cache written by a
# task would never serve another (src/datastore/azure/warm-code-cache.ts).
RUN node /opt/weft/dist/azure-code-cache.js
ENTRYPOINT ["weft"]

# The image of the metadata service (`weft service`) and its migration init container
# (deploy/kubernetes/base/deployment.yaml). Unlike the task runtime image (../../Dockerfile)
# it keeps the optional dependencies: fastify, pg, umzug, jose are the service stack.
#
# Build from a built checkout, with the repository root as the context:
#   npm ci && npm run build
#   docker build -f deploy/docker/service.Dockerfile -t <registry>.azurecr.io/weft-service:0.1.0 .
# or without Docker: az acr build -r <registry> -f deploy/docker/service.Dockerfile -t weft-service:0.1.0 .

FROM node:20-slim AS deps
WORKDIR /opt/weft
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /opt/weft
COPY --from=deps /opt/weft/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY dist ./dist
RUN ln -s /opt/weft/bin/weft.mjs /usr/local/bin/weft
# Numeric, so that runAsNonRoot can verify it; the Deployment mounts /tmp as the only
# writable path (WEFT_HOME=/tmp/weft).
USER 1000:1000
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["weft"]
CMD ["service", "--host", "0.0.0.0", "--port", "8080"]

# Multi-stage build: compile TypeScript in a full Node image, run on slim.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY bench ./bench
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN ln -s /app/dist/src/main.js /usr/local/bin/resplica-server \
 && chmod +x /app/dist/src/main.js \
 && mkdir /data && chown node:node /data
# Like the official Redis image: data in /data, port 6379, listening on all
# interfaces with protected mode off (the container network is the boundary).
VOLUME /data
WORKDIR /data
USER node
EXPOSE 6379
CMD ["resplica-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]

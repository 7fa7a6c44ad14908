# hv-server in a container: for a Linux control PC where the rack is reached over the LAN
# (Prologix adapter, LAN instruments) or a serial line passed through; see README, "Deploying on
# the rack", for USB-GPIB pass-through.
#   docker build -t hv-server .
#   docker run -d --name hv-server -p 5555:5555 -p 8080:8080 -v hv-data:/data \
#     -v /etc/hv-server/rack.yaml:/config/rack.yaml:ro hv-server --config /config/rack.yaml --allow-control 192.168.1.20

FROM node:20-bookworm-slim AS build
WORKDIR /src
# A C compiler for serialport's native module where no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dependencies first (a layer that changes only with the lock file); `prepare` builds later.
RUN npm ci --ignore-scripts && npm rebuild koffi @serialport/bindings-cpp
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production NO_COLOR=1
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/web ./web
COPY --from=build /src/schemas ./schemas
COPY --from=build /src/examples ./examples
COPY --from=build /src/docs ./docs
# Not root: the image's `node` user (uid 1000) owns only the data directory; add it to the
# device's group on the host (e.g. --group-add dialout) for a serial line.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 5555 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "bin/hv-server.js", "--data-dir", "/data", "--tcp-host", "0.0.0.0", "--http-host", "0.0.0.0"]
CMD []

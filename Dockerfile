# syntax=docker/dockerfile:1
# The central server image: `scrutin serve` (the API) by default, `scrutin worker` for the
# validators (docker-compose.yml). Not built on the development machines, which have no Docker
# engine: server/src/deploy.test.ts checks this file against the repository instead.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (credential shards) builds from source against Node's headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY shared/package.json shared/package.json
COPY server/package.json server/package.json
COPY desktop/package.json desktop/package.json
COPY demo/package.json demo/package.json
COPY e2e/package.json e2e/package.json
COPY bench/package.json bench/package.json
RUN npm ci --omit=dev --no-audit --no-fund
COPY shared/src shared/src
COPY server/src server/src
COPY server/bin server/bin

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
# A larger young generation: the API and the validators allocate per ballot, and scavenges
# are their largest GC cost (docs/operators.md, capacity).
ENV NODE_OPTIONS=--max-semi-space-size=64
COPY --from=build /app /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "server/bin/scrutin.js"]
CMD ["serve"]

# One image for every qnet process: the hub (the default command) and the node-agent
# (docker-compose.yml overrides the command). The TypeScript is compiled once, in the build stage.
# The base image's Node lies within package.json "engines", as every dependency's engines do
# (packaging.test.ts checks both).

FROM node:20.20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY hub hub
COPY node-agent node-agent
COPY trust trust
# The dashboard is plain files read at run time, beside the compiled hub.
RUN npx tsc -p tsconfig.build.json \
 && if [ -d hub/dashboard ]; then mkdir -p dist/hub/dashboard && cp -R hub/dashboard/. dist/hub/dashboard/; fi

FROM node:20.20-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20.20-slim
ENV NODE_ENV=production
# A larger young generation: a message's short-lived objects die young instead of being promoted,
# which took the hub's collections per ingest run from 117 to 30 (BENCHMARKS.md, issue 16).
ENV NODE_OPTIONS=--max-semi-space-size=64
WORKDIR /app
COPY package.json ./
COPY --from=runtime-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
# A node-agent keeps its ledger here (QNET_NODE_STATE_DIR); a named volume takes this ownership.
RUN mkdir -p /var/lib/qnet && chown node:node /var/lib/qnet
USER node
EXPOSE 8080
CMD ["node", "dist/hub/main.js"]

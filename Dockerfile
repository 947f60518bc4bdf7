# syntax=docker/dockerfile:1

# --- Stage 1: the schema SDL the explorer's types are generated from ----------
FROM python:3.11-slim AS sdl
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY rapport ./rapport
COPY schema ./schema
COPY resolvers ./resolvers
COPY graphdb ./graphdb
RUN pip install . && rapport schema print > /schema.graphql

# --- Stage 2: vendor the playground assets and build the explorer -------------
# The playground is served offline from web/node_modules, pinned by
# web/package-lock.json; the explorer is built into web/dist. Node is needed
# only here, so it never reaches the runtime image.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY web/index.html web/vite.config.ts web/codegen.ts web/tsconfig.json ./
COPY web/src ./src
COPY --from=sdl /schema.graphql ./generated/schema.graphql
RUN npm run build

# --- Stage 3: the API ---------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Run as an unprivileged user: the API never needs root.
RUN useradd --system --create-home --home-dir /home/rapport --uid 10001 rapport

WORKDIR /app

# Dependencies and code first; the web assets change rarely and are copied after.
COPY pyproject.toml README.md ./
COPY rapport ./rapport
COPY schema ./schema
COPY resolvers ./resolvers
COPY graphdb ./graphdb
RUN pip install .

# Only the files rapport/playground.py serves (about 10 MB instead of the whole
# node_modules), in the same layout so ASSETS finds them. The package is
# installed into site-packages, away from any web/ folder, hence RAPPORT_WEB_DIR.
COPY --from=web /web/node_modules/react/umd/react.production.min.js \
     ./web/node_modules/react/umd/
COPY --from=web /web/node_modules/react-dom/umd/react-dom.production.min.js \
     ./web/node_modules/react-dom/umd/
COPY --from=web /web/node_modules/graphiql/graphiql.min.js \
     /web/node_modules/graphiql/graphiql.min.js.map \
     /web/node_modules/graphiql/graphiql.min.css \
     /web/node_modules/graphiql/graphiql.min.css.map \
     ./web/node_modules/graphiql/
COPY --from=web /web/dist ./web/dist

ENV RAPPORT_WEB_DIR=/app/web \
    RAPPORT_HOST=0.0.0.0 \
    RAPPORT_PORT=8000

USER rapport
EXPOSE 8000

# The slim image has no curl or wget; Python is always there.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000"]

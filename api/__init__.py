"""The HTTP API (FastAPI): thin routers, schemas, authentication and error mapping."""

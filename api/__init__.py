"""The HTTP surface: FastAPI app, GraphQL schema, authentication, REST endpoints."""

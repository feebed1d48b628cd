"""api/graphql."""

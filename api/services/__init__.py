"""api/services."""

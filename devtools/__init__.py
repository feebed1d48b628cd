"""Development tools, not shipped in the wheel: the local Neo4j runner, the demo city and its CLI."""

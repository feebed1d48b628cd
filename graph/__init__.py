"""Neo4j only: the driver, the graph's kinds as code, Cypher, repositories and the local server."""

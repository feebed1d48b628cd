"""Measurements to run by hand against a scratch Neo4j; never part of the test suite."""

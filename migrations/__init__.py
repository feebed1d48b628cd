"""The graph's migrations, `V###__description.cypher`, shipped with the hub as package data.

A package only so that an installed hub finds them where it is installed
(`graph.migrations.bundled`); nothing here is Python but this line.
"""

"""The use cases: what a professional can do, each one a transaction with its policy check and audit.

Two faces call them: `api/` (GraphQL and the REST audit routes) and the web pages. `composition`
builds them, once, from the settings.
"""

"""The hub's pages: a second face over the services, server-rendered with the GOV.UK Design System.

Pages call the services exactly as the GraphQL resolvers do, never `graph/` and never `api/`,
so a page shows a professional exactly what the API would.
"""

from web.face import WebFace, mount

__all__ = ["WebFace", "mount"]

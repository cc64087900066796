"""The web reader: a Starlette app rendering Jinja2 templates on the server.

``create_app(settings)`` builds it; ``newsstand serve`` runs it with uvicorn.
"""

from newsstand.web.app import create_app

__all__ = ["create_app"]

"""Entry point: ``flask --app wsgi ...`` and gunicorn's ``wsgi:create_app()`` call the factory."""

from campaigns.web.app import create_app

__all__ = ["create_app"]

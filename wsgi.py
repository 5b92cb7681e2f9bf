"""Entry point: ``flask --app wsgi ...`` and gunicorn's ``wsgi:create_app()`` call the factory."""

from campaigns.app import create_app

__all__ = ["create_app"]

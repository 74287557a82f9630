"""The WSGI entry point: `gunicorn wsgi:app`, or `flask --app wsgi ...` for the commands."""

from portal import create_app

app = create_app()

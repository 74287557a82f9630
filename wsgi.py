"""The checkout's WSGI entry point: `gunicorn wsgi:app`, or `flask --app wsgi ...` for the commands.

An installed package has no wsgi module: use `gunicorn 'portal:create_app()'` and
`flask --app portal ...` (Flask finds `create_app` in `portal`).
"""

from portal import create_app

app = create_app()

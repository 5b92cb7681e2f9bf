"""A bare Flask "hello" for ``make bench``: served by the same gunicorn settings as the app, so
the gap between it and ``/healthz`` is the app's own per-request middleware."""

from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def hello():
    return {"ok": True}

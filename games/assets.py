"""Static files of the player pages under content-hashed URLs, cached for a year, compressed.

Hashes are computed once at startup, so a deploy changes the URL of every file that changed and
phones never mix an old script with a new page. Compression (flask-compress) is applied to the
H5 blueprint only: its pages and scripts are what phones fetch over mobile networks, while the
admin API streams exports that must not be buffered.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for
from flask_compress import Compress

ONE_YEAR = 365 * 24 * 3600

blueprint = Blueprint("assets", __name__)
compress = Compress()


@blueprint.record_once
def _setup(state) -> None:
    app = state.app
    app.config.setdefault("COMPRESS_REGISTER", False)  # per blueprint, see the module docstring
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
    )
    compress.init_app(app)
    root = Path(app.static_folder) / "h5"
    app.extensions["h5_assets"] = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in root.rglob("*")
        if path.is_file()
    }


def asset_url(filename: str) -> str:
    digest = current_app.extensions["h5_assets"][filename]
    return url_for("h5.assets.asset", digest=digest, filename=filename)


@blueprint.get("/assets/<digest>/<path:filename>")
def asset(digest: str, filename: str):
    if current_app.extensions["h5_assets"].get(filename) != digest:
        abort(404)  # an old or made-up hash: never cache the wrong content for a year
    response = send_from_directory(
        Path(current_app.static_folder) / "h5", filename, max_age=ONE_YEAR
    )
    response.cache_control.immutable = True
    response.cache_control.public = True
    # Read small files whole so they are compressed in one piece with a Content-Length.
    response.direct_passthrough = False
    response.make_sequence()
    return response

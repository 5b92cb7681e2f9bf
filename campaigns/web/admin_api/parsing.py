"""Reading JSON bodies for the admin API: every unreadable body is a 400, never a 500.

webargs turns ``json.JSONDecodeError`` into a 400 but lets other failures of ``json.loads``
escape: a number longer than Python converts (``ValueError``: the 4,300-digit limit) or arrays
nested deeper than the recursion limit (``RecursionError``), both within the body size limit.
"""

from __future__ import annotations

import json

from webargs.flaskparser import FlaskParser


class JsonParser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError) as exc:
            raise json.JSONDecodeError(f"Unreadable JSON: {type(exc).__name__}", "", 0) from None

"""The Lua scripts, read from their .lua files and registered once per Redis client.

redis-py's ``Script`` calls EVALSHA and loads the script again when the server answers NOSCRIPT
(after a restart or SCRIPT FLUSH), so nothing else has to care.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LUA_DIR = Path(__file__).with_name("lua")


@cache
def source(name: str) -> str:
    return (LUA_DIR / f"{name}.lua").read_text()


class Scripts:
    def __init__(self, client):
        self.draw = client.register_script(source("draw"))
        self.load_player = client.register_script(source("load_player"))
        self.cede = client.register_script(source("cede"))
        self.receive = client.register_script(source("receive"))

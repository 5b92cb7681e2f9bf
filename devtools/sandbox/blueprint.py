"""The sandbox's routes, at the root of its own host as WeChat's are at theirs."""

from flask import Blueprint

blueprint = Blueprint("sandbox", __name__)

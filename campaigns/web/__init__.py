"""The web layer: the app factory, extensions, HTTP errors, security, rate limits and CLI,
with one package per audience (admin_api/, console/, wechat/). The only part of campaigns/ that
imports Flask, besides the bridge campaigns/core/services.py."""

"""WeChat Official Account integration: clients, OAuth, the message callback, QR codes, menu."""

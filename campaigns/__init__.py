"""The domain: campaigns, the draw engine, the ledger, reports, admin API, notices, WeChat.

The application factory lives in ``campaigns.web.app`` (it is the one place that knows everything).
"""

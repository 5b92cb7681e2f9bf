"""The WeChat sandbox: a stand-in for the WeChat endpoints the app calls, served by its own
process on its own port (``create_sandbox_app``, ``make run`` starts it), with the state a real
account has (followers from before, the brand's menu), a log of what it was sent, failure
injection, and a "phone" page that plays one follower and posts signed XML to the app's
``/wechat``. The app reaches it by URL exactly as it reaches WeChat (``WECHAT_SANDBOX=1`` and
``WECHAT_SANDBOX_URL``); it never reads the app's database. Never on in production.
"""

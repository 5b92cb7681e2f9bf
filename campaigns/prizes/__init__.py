"""How a prize reaches its winner once the draw has recorded the win: its kind (kinds.py), the
deadline and expiry (expiry.py), a goods win's claim and shipping (claims.py, sealed with
sealing.py) and a cash win's red packet through WeChat Pay (cash.py).

Everything here starts from wins that exist in SQL (a job scans them, or a view reads them), so
it does not depend on how the play path writes them."""

"""A campaign's figures: the report and its text/CSV forms, exports, page views and WeChat's
check of new followers."""

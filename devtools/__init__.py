"""Development tools that production code never imports: the runner behind `make run`, the embedded
Redis, the WeChat sandbox, demo and synthetic data."""

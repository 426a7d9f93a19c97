"""The HTTP API (v1): thin views over tokengate.services."""

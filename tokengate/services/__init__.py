"""Writes and domain decisions. Views call these; they raise tokengate.errors exceptions."""

"""Decisions per candidate, with reasons and the flags that stood when they were made."""

"""Interview panels: kind, weight, scale, members and lead; declarations and training."""

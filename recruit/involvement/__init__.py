"""Reciprocity: what people supported have done with us, and what we owe and pay them."""

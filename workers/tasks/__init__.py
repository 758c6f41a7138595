"""One module per job family. Tasks take ids and call recruit's operations."""

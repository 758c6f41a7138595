"""What every area uses: time, errors, audit, outbox, the API plumbing, layout."""

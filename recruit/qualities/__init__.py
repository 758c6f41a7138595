"""Qualities: proposed in people's own words, voted on, accepted as scoring criteria."""

"""State implementations and the state loop."""

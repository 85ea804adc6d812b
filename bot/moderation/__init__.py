"""Guild policy: what may be asked for, by whom, and where."""

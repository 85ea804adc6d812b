"""Discord presentation: job embeds, refusals, and the notifier that edits members' replies."""

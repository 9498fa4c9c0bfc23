"""Models turned into Mastodon API entities. Kept apart from the models on purpose."""

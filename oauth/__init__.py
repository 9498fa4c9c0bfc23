"""OAuth 2 for Mastodon apps: applications, the login and consent page, codes and tokens."""

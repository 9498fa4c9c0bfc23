"""Domain logic shared by the client API, the inbox and the outbox: feeds, notifications, text."""

"""Local actions turned into activities and addressed; the outbox, collection and object routes."""

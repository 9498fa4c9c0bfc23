"""Receiving activities: verified and stored by the routes, applied by the handlers in a worker."""

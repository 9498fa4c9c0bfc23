"""The Mastodon client API: one module per resource, serialisers apart (api/serializers).

`routes`, `middleware` and `exception_handlers` are mounted by server.create_app.
"""

"""OAuth 2 applications, authorisation codes and access tokens."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, SnowflakeModel, utcnow


class Application(SnowflakeModel):
    name = fields.CharField(max_length=255)
    website = fields.CharField(max_length=512, null=True)
    redirect_uris = fields.TextField(default="urn:ietf:wg:oauth:2.0:oob")  # one per line
    scopes = fields.CharField(max_length=1024, default="read")
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret = fields.CharField(max_length=64)
    created_at = DatetimeField(default=utcnow)

    class Meta:
        table = "oauth_applications"


class AuthorizationCode(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    application = fields.ForeignKeyField("models.Application", related_name=False, on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name=False, on_delete=fields.CASCADE)
    scopes = fields.CharField(max_length=1024)
    redirect_uri = fields.CharField(max_length=1024)
    code_challenge = fields.CharField(max_length=255, null=True)
    code_challenge_method = fields.CharField(max_length=16, null=True)
    created_at = DatetimeField(default=utcnow)
    used = fields.BooleanField(default=False)

    class Meta:
        table = "oauth_authorization_codes"


class AccessToken(Model):
    id = fields.BigIntField(primary_key=True)
    token = fields.CharField(max_length=64, unique=True)
    refresh_token = fields.CharField(max_length=64, null=True, unique=True)
    application = fields.ForeignKeyField(
        "models.Application", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    # None for client_credentials tokens, which act for the app, not a person.
    account = fields.ForeignKeyField("models.Account", related_name=False, null=True, on_delete=fields.CASCADE)
    scopes = fields.CharField(max_length=1024)
    created_at = DatetimeField(default=utcnow)
    revoked_at = DatetimeField(null=True)
    last_used_at = DatetimeField(null=True)

    class Meta:
        table = "oauth_access_tokens"

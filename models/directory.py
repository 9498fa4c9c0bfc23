"""The company directory: work profiles of local people, and everyone's entry in the people search.

A WorkProfile belongs to a local account (department, title, ... as the company's user
directory has them); a remote account has one too when its actor document carries the
Flurfunk work properties (source "actor", read by federation/actors.store_actor).
A DirectoryEntry is one person in the company-wide people search: local people (from
their WorkProfile) and people of peer nodes (pulled from those nodes' directory
collections), so that a search is answered from this node's database alone.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import DatetimeField, utcnow


class WorkProfile(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.OneToOneField("models.Account", related_name="work_profile", on_delete=fields.CASCADE)
    department = fields.CharField(max_length=255, default="")
    title = fields.CharField(max_length=255, default="")
    location = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=64, default="")
    skills = fields.JSONField(default=list)  # ["Kubernetes", "Tax law", ...]
    # The manager's actor id: a local or remote account (the LDAP `manager` attribute, resolved).
    manager_uri = fields.CharField(max_length=512, default="")
    # Where the profile came from: "" (typed in), "csv" or "ldap" (imports, with the directory's own
    # key, uid, in external_id), or "actor" (a remote account's actor document).
    source = fields.CharField(max_length=16, default="")
    external_id = fields.CharField(max_length=255, null=True, unique=True)
    updated_at = DatetimeField(default=utcnow)

    class Meta:
        table = "work_profiles"


class DirectoryEntry(Model):
    """One findable person, local or on a peer node; withdrawn entries stay as tombstones for sync."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="directory_entries", on_delete=fields.CASCADE)
    node = fields.CharField(max_length=255, db_index=True)  # the person's node domain
    actor_uri = fields.CharField(max_length=512, unique=True)
    handle = fields.CharField(max_length=255)  # user@domain
    display_name = fields.CharField(max_length=255, default="")
    department = fields.CharField(max_length=255, default="")
    title = fields.CharField(max_length=255, default="")
    location = fields.CharField(max_length=255, default="")
    skills = fields.JSONField(default=list)
    # Accent-folded, lower-case text of all searchable fields, for backends without full-text search.
    search_text = fields.TextField(default="")
    withdrawn = fields.BooleanField(default=False)
    updated_at = DatetimeField(default=utcnow, db_index=True)

    class Meta:
        table = "directory_entries"


class DirectoryPeer(Model):
    """A node whose directory collection this node pulls, and how far the last pull got."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    collection_url = fields.CharField(max_length=512, default="")
    # The newest `updated` the peer served, in the peer's own clock: the next pull asks `since` it.
    pulled_up_to = DatetimeField(null=True)
    last_attempt_at = DatetimeField(null=True)
    last_success_at = DatetimeField(null=True)
    last_error = fields.TextField(default="")

    class Meta:
        table = "directory_peers"

"""A token's row is kept per process but checked on every request (api/auth.py): whatever changed
about the token, its account, its user or its app since the last request shows at once, however
it was written (another process, an operator's SQL)."""

from __future__ import annotations

from api.auth import caller_for_token
from models.db import database


async def sql(statement: str) -> None:
    await database().execute_script(statement)


async def test_a_revoked_or_deleted_token_stops_working_on_the_next_request(local_node):
    _, token = await local_node.user("alice")
    _, other = await local_node.user("bob")
    async with local_node.client(token) as client, local_node.client(other) as as_bob:
        assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 200
        assert (await as_bob.get("/api/v1/accounts/verify_credentials")).status_code == 200
        await sql(f"UPDATE oauth_access_tokens SET revoked_at = '2026-01-01 00:00:00' WHERE token = '{token}'")
        await sql(f"DELETE FROM oauth_access_tokens WHERE token = '{other}'")
        revoked = await client.get("/api/v1/accounts/verify_credentials")
        deleted = await as_bob.get("/api/v1/accounts/verify_credentials")
    assert revoked.status_code == 401 and revoked.json() == {"error": "The access token is invalid"}
    assert deleted.status_code == 401


async def test_a_suspended_account_and_a_changed_profile_show_on_the_next_request(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        assert (await client.get("/api/v1/accounts/verify_credentials")).json()["display_name"] == "alice"
        await sql(f"UPDATE accounts SET display_name = 'Alice A.' WHERE id = {alice.id}")
        renamed = await client.get("/api/v1/accounts/verify_credentials")
        await sql(f"UPDATE accounts SET suspended = TRUE WHERE id = {alice.id}")
        suspended = await client.get("/api/v1/accounts/verify_credentials")
        await sql(f"UPDATE accounts SET suspended = FALSE WHERE id = {alice.id}")
        back = await client.get("/api/v1/accounts/verify_credentials")
    assert renamed.json()["display_name"] == "Alice A."
    assert suspended.status_code == 401 and suspended.json() == {"error": "Your login is currently disabled"}
    assert back.status_code == 200


async def test_a_changed_user_row_is_what_the_next_request_uses(local_node):
    alice, token = await local_node.user("alice")
    async with local_node.client(token) as client:
        first = (await client.post("/api/v1/statuses", json={"status": "one"})).json()
        await sql(f"UPDATE users SET default_visibility = 'private' WHERE account_id = {alice.id}")
        second = (await client.post("/api/v1/statuses", json={"status": "two"})).json()
    assert first["visibility"] == "public" and second["visibility"] == "private"


async def test_a_request_changing_its_account_leaves_the_kept_one_alone(local_node):
    alice, token = await local_node.user("alice")
    await sql(f"""UPDATE accounts SET fields_json = '[{{"name": "Team", "value": "Ops"}}]' WHERE id = {alice.id}""")
    first = await caller_for_token(token)
    first.account.display_name = "changed, never saved"
    first.account.fields_json[0]["value"] = "changed in place"
    second = await caller_for_token(token)
    assert second.account.display_name == "alice" and second.account.fields_json == [{"name": "Team", "value": "Ops"}]
    assert second.account is not first.account

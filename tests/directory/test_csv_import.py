"""Accounts from a CSV export of the company directory: created, updated, suspended on leaving, back on return."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.passwords import hash_password
from directory import csv_source
from directory.import_cli import sync
from models.accounts import Account, User
from models.directory import DirectoryEntry, WorkProfile
from models.statuses import Status
from oauth.logins import LoginFailed, log_in
from oauth.tokens import cli_application, issue_token
from tests.conftest import LocalNode
from tests.nodes import ROOT

HEADER = "uid,cn,mail,departmentNumber,title,l,telephoneNumber,manager,skills\n"
BOSS = "boss,Bea Boss,bea@corp.example,R&D,Head of R&D,Vienna,+43 1 100,,Leadership\n"
JANE = 'jdoe,Jane Doe,jane@corp.example,R&D,Engineer,Vienna,+43 1 234,"uid=boss,ou=people,dc=corp",Kubernetes;Go\n'
MARTIN = "mmueller,Martin Müller,martin@corp.example,Sales,Account Manager,Graz,,boss,Negotiation\n"
NO_UID = ",Nobody,nobody@corp.example,R&D,,,,,\n"
BAD_MAIL = "bad,Bad Mail,not-an-email,R&D,,,,,\n"


def write(tmp_path: Path, *rows: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


async def import_csv(node: LocalNode, path: Path, department: str = ""):
    return await sync(node.node, "csv", csv_source.read_people(path), department)


async def test_a_first_import_creates_people_with_work_profiles_and_reports_bad_rows(
    local_node: LocalNode, tmp_path: Path
) -> None:
    summary = await import_csv(local_node, write(tmp_path, BOSS, JANE, NO_UID, BAD_MAIL, MARTIN))

    assert summary.line() == "created 3, updated 0, suspended 0, unchanged 0, errors 2"
    assert summary.problems == [
        "line 4: no uid",
        "line 5: bad: 'not-an-email' is not an e-mail address",
    ]
    jane = await Account.get(username="jdoe", domain="")
    boss = await Account.get(username="boss", domain="")
    assert jane.display_name == "Jane Doe"
    assert (await User.get(account_id=jane.id)).email == "jane@corp.example"
    profile = await WorkProfile.get(account_id=jane.id)
    assert (profile.source, profile.external_id) == ("csv", "jdoe")
    assert (profile.department, profile.title, profile.location, profile.phone) == (
        "R&D",
        "Engineer",
        "Vienna",
        "+43 1 234",
    )
    assert profile.skills == ["Kubernetes", "Go"]
    assert profile.manager_uri == boss.uri
    assert {f["name"]: f["source"] for f in jane.fields_json}["Skills"] == "Kubernetes, Go"
    martin = await WorkProfile.get(external_id="mmueller").prefetch_related("account")
    assert martin.account.display_name == "Martin Müller"
    assert martin.manager_uri == boss.uri  # a plain uid names the manager too
    entry = await DirectoryEntry.get(account_id=jane.id)
    assert not entry.withdrawn and entry.department == "R&D"


async def test_re_running_updates_changes_suspends_leavers_and_takes_back_returners(
    local_node: LocalNode, tmp_path: Path
) -> None:
    await import_csv(local_node, write(tmp_path, BOSS, JANE, MARTIN))
    martin = await Account.get(username="mmueller", domain="")
    token = (await issue_token(martin, await cli_application(), "read write")).token
    async with local_node.client(token) as client:
        posted = await client.post("/api/v1/statuses", data={"status": "Closing the Q3 deal"})
    assert posted.status_code == 200, posted.text
    await User.filter(account_id=martin.id).update(password_hash=hash_password("known password"))

    promoted = JANE.replace("Engineer", "Senior Engineer")
    summary = await import_csv(local_node, write(tmp_path, BOSS, promoted, name="v2.csv"))

    assert summary.line() == "created 0, updated 1, suspended 1, unchanged 1, errors 0"
    assert (await WorkProfile.get(external_id="jdoe")).title == "Senior Engineer"
    martin = await Account.get(id=martin.id)
    assert martin.suspended
    assert await Status.filter(account_id=martin.id).exists()  # their posts stay
    assert (await DirectoryEntry.get(account_id=martin.id)).withdrawn
    with pytest.raises(LoginFailed):
        await log_in("mmueller", "known password", 30)
    async with local_node.client(token) as client:
        refused = await client.get("/api/v1/accounts/verify_credentials")
    assert refused.status_code == 401

    summary = await import_csv(local_node, write(tmp_path, BOSS, promoted, MARTIN, name="v3.csv"))

    assert summary.line() == "created 0, updated 1, suspended 0, unchanged 2, errors 0"
    assert not (await Account.get(id=martin.id)).suspended
    assert not (await DirectoryEntry.get(account_id=martin.id)).withdrawn
    assert (await log_in("mmueller", "known password", 30)).account_id == martin.id


async def test_a_bad_row_of_a_known_person_does_not_suspend_them(local_node: LocalNode, tmp_path: Path) -> None:
    await import_csv(local_node, write(tmp_path, BOSS, JANE))
    broken_jane = JANE.replace("jane@corp.example", "jane at corp")

    summary = await import_csv(local_node, write(tmp_path, BOSS, broken_jane, name="v2.csv"))

    assert summary.line() == "created 0, updated 0, suspended 0, unchanged 1, errors 1"
    assert not (await Account.get(username="jdoe", domain="")).suspended


async def test_a_departmental_node_imports_and_suspends_only_its_department(
    local_node: LocalNode, tmp_path: Path
) -> None:
    summary = await import_csv(local_node, write(tmp_path, BOSS, JANE, MARTIN), department="r&d")
    assert summary.line() == "created 2, updated 0, suspended 0, unchanged 0, errors 0"
    assert not await Account.filter(username="mmueller").exists()

    # Jane moves to Sales: no longer this node's person.
    moved = JANE.replace(",R&D,", ",Sales,")
    summary = await import_csv(local_node, write(tmp_path, BOSS, moved, MARTIN, name="v2.csv"), department="R&D")
    assert summary.line() == "created 0, updated 0, suspended 1, unchanged 1, errors 0"
    assert (await Account.get(username="jdoe")).suspended


async def test_a_file_listing_nobody_suspends_nobody(local_node: LocalNode, tmp_path: Path) -> None:
    await import_csv(local_node, write(tmp_path, BOSS, JANE))
    summary = await import_csv(local_node, write(tmp_path, name="empty.csv"))
    assert summary.line() == "created 0, updated 0, suspended 0, unchanged 0, errors 1"
    assert "listed nobody" in summary.problems[0]
    assert not await Account.filter(suspended=True).exists()


def test_the_command_shows_progress_problems_and_the_summary(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env.update(FEDI_DOMAIN="corp.example", FEDI_DATA_DIR=str(tmp_path / "node"))
    if database_url:
        env["FEDI_DB"] = database_url
    path = write(tmp_path, BOSS, JANE, NO_UID, MARTIN)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "server.py", "directory", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = run("import", str(path))
    assert first.returncode == 1, first.stderr  # one row could not be used
    assert "line 4: no uid" in first.stdout
    assert first.stdout.strip().splitlines()[-1] == "created 3, updated 0, suspended 0, unchanged 0, errors 1"
    assert "csv import: 4/4" in first.stderr
    assert "password" not in first.stdout.lower() + first.stderr.lower()

    second = run("import", str(write(tmp_path, BOSS, JANE, name="v2.csv")))
    assert second.returncode == 0, second.stderr
    assert "suspended mmueller: no longer in the csv source" in second.stdout
    assert second.stdout.strip().splitlines()[-1] == "created 0, updated 0, suspended 1, unchanged 2, errors 0"

    missing = run("import", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


async def test_imported_people_have_no_password_and_cannot_log_in_with_one(
    local_node: LocalNode, tmp_path: Path
) -> None:
    # They sign in through the company's single sign-on; no password of theirs exists to guess.
    await import_csv(local_node, write(tmp_path, JANE))
    jane = await User.get(account__username="jdoe")
    assert jane.password_hash == ""
    for guess in ("", "correct horse battery", "jdoe"):
        with pytest.raises(LoginFailed):
            await log_in("jdoe", guess, delay_seconds=0)

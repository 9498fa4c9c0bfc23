"""Accounts from a real OpenLDAP server (Debian's slapd, started here on a loopback port with a throwaway config).

`.ci/run` installs slapd and ldap-utils; the directory is filled and changed with ldapadd,
ldapmodify and ldapdelete, as an administrator would.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.passwords import hash_password
from directory.import_cli import sync
from directory.ldap_source import LDAPQuery, SourceError, read_people
from models.accounts import Account, User
from models.directory import DirectoryEntry, WorkProfile
from oauth.logins import LoginFailed, log_in
from oauth.tokens import cli_application, issue_token
from tests.conftest import LocalNode
from tests.nodes import ROOT, free_port, wait_for

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SUFFIX = "dc=corp,dc=example"
PEOPLE = f"ou=people,{SUFFIX}"
ADMIN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory admin secret"
SCHEMAS = ("core", "cosine", "inetorgperson")

PEOPLE_LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: corp
o: Corp

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: uid=boss,{PEOPLE}
objectClass: inetOrgPerson
uid: boss
cn: Bea Boss
sn: Boss
mail: bea@corp.example
departmentNumber: R&D
title: Head of R&D
l: Vienna

dn: uid=jdoe,{PEOPLE}
objectClass: inetOrgPerson
uid: jdoe
cn: Jane Doe
sn: Doe
mail: jane@corp.example
departmentNumber: R&D
title: Engineer
l: Vienna
telephoneNumber: +43 1 234
manager: uid=boss,{PEOPLE}
businessCategory: Kubernetes
businessCategory: Go

dn: uid=mmueller,{PEOPLE}
objectClass: inetOrgPerson
uid: mmueller
cn: Martin Müller
sn: Müller
mail: martin@corp.example
departmentNumber: Sales
title: Account Manager
l: Graz
manager: uid=boss,{PEOPLE}
"""


@dataclass
class Slapd:
    url: str
    process: subprocess.Popen
    workdir: Path

    def ldap(self, tool: str, ldif: str) -> None:
        """Run ldapadd/ldapmodify/ldapdelete as the directory's administrator."""
        done = subprocess.run(
            [tool, "-x", "-H", self.url, "-D", ADMIN, "-w", ADMIN_PASSWORD],
            input=ldif.encode(),
            capture_output=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr.decode()

    def query(self, **options: str) -> LDAPQuery:
        return LDAPQuery(
            url=self.url,
            base_dn=PEOPLE,
            bind_dn=ADMIN,
            password=ADMIN_PASSWORD,
            skills_attribute="businessCategory",
            **options,  # type: ignore[arg-type]
        )


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Slapd]:
    if not Path(SLAPD).exists() or shutil.which("ldapadd") is None:
        pytest.fail("slapd and ldap-utils are missing: apt-get install slapd ldap-utils (.ci/run does)")
    workdir = tmp_path / "slapd"
    (workdir / "data").mkdir(parents=True)
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    (workdir / "slapd.conf").write_text(
        f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {workdir}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN}"
rootpw "{ADMIN_PASSWORD}"
directory {workdir}/data
"""
    )
    url = f"ldap://127.0.0.1:{free_port()}"
    log = open(workdir / "slapd.log", "wb")
    # -d keeps slapd in the foreground, so the fixture owns the process and ends it.
    process = subprocess.Popen(
        [SLAPD, "-f", str(workdir / "slapd.conf"), "-h", f"{url}/", "-d", "0"], stdout=log, stderr=log
    )
    server = Slapd(url, process, workdir)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"slapd exited: {(workdir / 'slapd.log').read_text(errors='replace')}")
        probe = subprocess.run(["ldapsearch", "-x", "-H", url, "-b", "", "-s", "base"], capture_output=True)
        return probe.returncode == 0

    try:
        wait_for(answers, timeout=20, what="slapd")
        server.ldap("ldapadd", PEOPLE_LDIF)
        yield server
    finally:
        process.terminate()
        process.wait(10)
        log.close()


async def sync_ldap(node: LocalNode, query: LDAPQuery):
    return await sync(node.node, "ldap", await asyncio.to_thread(read_people, query), query.department)


async def test_ldap_sync_follows_a_department_change_and_a_leaver(local_node: LocalNode, slapd: Slapd) -> None:
    first = await sync_ldap(local_node, slapd.query())

    assert first.line() == "created 3, updated 0, suspended 0, unchanged 0, errors 0"
    boss = await Account.get(username="boss", domain="")
    jane = await WorkProfile.get(external_id="jdoe").prefetch_related("account")
    assert jane.source == "ldap"
    assert (jane.department, jane.title, jane.location, jane.phone) == ("R&D", "Engineer", "Vienna", "+43 1 234")
    assert jane.skills == ["Kubernetes", "Go"]
    assert jane.manager_uri == boss.uri
    assert (await User.get(account_id=jane.account.id)).email == "jane@corp.example"
    martin = await Account.get(username="mmueller", domain="")
    assert martin.display_name == "Martin Müller"
    token = (await issue_token(martin, await cli_application(), "read")).token
    await User.filter(account_id=martin.id).update(password_hash=hash_password("known password"))

    # Jane moves to Sales; Martin leaves the company.
    slapd.ldap(
        "ldapmodify", f"dn: uid=jdoe,{PEOPLE}\nchangetype: modify\nreplace: departmentNumber\ndepartmentNumber: Sales\n"
    )
    slapd.ldap("ldapdelete", f"uid=mmueller,{PEOPLE}\n")
    second = await sync_ldap(local_node, slapd.query())

    assert second.line() == "created 0, updated 1, suspended 1, unchanged 1, errors 0"
    assert (await WorkProfile.get(external_id="jdoe")).department == "Sales"
    assert (await DirectoryEntry.get(account_id=jane.account.id)).department == "Sales"
    assert (await Account.get(id=martin.id)).suspended
    assert (await DirectoryEntry.get(account_id=martin.id)).withdrawn
    with pytest.raises(LoginFailed):
        await log_in("mmueller", "known password", 30)
    async with local_node.client(token) as client:
        assert (await client.get("/api/v1/accounts/verify_credentials")).status_code == 401

    third = await sync_ldap(local_node, slapd.query())
    assert third.line() == "created 0, updated 0, suspended 0, unchanged 2, errors 0"


async def test_a_departmental_node_syncs_only_its_department(local_node: LocalNode, slapd: Slapd) -> None:
    summary = await sync_ldap(local_node, slapd.query(department="Sales"))

    assert summary.line() == "created 1, updated 0, suspended 0, unchanged 0, errors 0"
    assert await Account.filter(domain="", actor_type="Person").values_list("username", flat=True) == ["mmueller"]


async def test_a_wrong_password_stops_the_sync_before_it_changes_anything(slapd: Slapd) -> None:
    with pytest.raises(SourceError, match="cannot log in"):
        await asyncio.to_thread(read_people, LDAPQuery(slapd.url, PEOPLE, ADMIN, "wrong password"))


def test_the_sync_ldap_command(tmp_path: Path, database_url: str, slapd: Slapd) -> None:
    password_file = tmp_path / "bind-password"
    password_file.write_text(ADMIN_PASSWORD + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env.update(FEDI_DOMAIN="corp.example", FEDI_DATA_DIR=str(tmp_path / "node"))
    if database_url:
        env["FEDI_DB"] = database_url
    done = subprocess.run(
        [
            sys.executable,
            "server.py",
            "directory",
            "sync-ldap",
            "--url",
            slapd.url,
            "--base-dn",
            PEOPLE,
            "--bind-dn",
            ADMIN,
            "--password-file",
            str(password_file),
            "--department",
            "R&D",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "created 2, updated 0, suspended 0, unchanged 0, errors 0"
    assert "ldap import of R&D: 2/2" in done.stderr
    assert ADMIN_PASSWORD not in done.stdout + done.stderr

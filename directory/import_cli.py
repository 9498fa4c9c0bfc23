"""The import commands, wired into server.py's `directory` command by add_subcommands:

    python server.py directory import FILE.csv [--department D]
    python server.py directory sync-ldap --url ldap://... --base-dn ou=people,dc=corp,dc=example
                                         [--bind-dn DN --password-file FILE] [--filter F | --department D]
                                         [--skills-attribute ATTR] [--start-tls]

Progress goes to stderr, problems and the summary line to stdout. Exit status 0 when every
record could be used, 1 when some could not (the others are imported all the same), 2 when
the source could not be read at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

from directory import csv_source
from directory.importing import BadRecord, DirectorySync, Person, Summary
from node import Node, with_node
from settings import Settings


class Progress:
    """A bar redrawn in place on a terminal; on a log file, a line every tenth of the way."""

    WIDTH = 30

    def __init__(self, total: int, label: str, stream: TextIO = sys.stderr) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self.done = 0
        self.live = stream.isatty()
        self._step = max(self.total // 10, 1)

    def advance(self) -> None:
        self.done += 1
        if self.live:
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            self.stream.flush()
        elif self.done % self._step == 0 or self.done == self.total:
            print(f"{self.label}: {self.done}/{self.total}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


def add_subcommands(directory_commands: Any) -> None:
    """Adds `import` and `sync-ldap` to the `directory` command's subparsers."""
    csv_command = directory_commands.add_parser(
        "import", help="create and update accounts from a CSV file (header: uid,cn,mail,departmentNumber,...)"
    )
    csv_command.add_argument("file", type=Path)
    csv_command.add_argument("--department", default="", help="import only this department (departmental nodes)")
    csv_command.set_defaults(run=_cmd_import)

    ldap = directory_commands.add_parser("sync-ldap", help="create, update and suspend accounts from an LDAP server")
    ldap.add_argument("--url", required=True, help="ldap://host:389 or ldaps://host:636")
    ldap.add_argument("--base-dn", required=True, help="where people are, e.g. ou=people,dc=corp,dc=example")
    ldap.add_argument("--bind-dn", default="", help="log in as this DN (anonymous without)")
    ldap.add_argument("--password-file", type=Path, help="a file holding the bind DN's password")
    which = ldap.add_mutually_exclusive_group()
    which.add_argument("--filter", default="", help="an LDAP search filter (default: every inetOrgPerson)")
    which.add_argument("--department", default="", help="sync only this departmentNumber (departmental nodes)")
    ldap.add_argument("--skills-attribute", default="", help="the attribute holding skills, one value each")
    ldap.add_argument("--start-tls", action="store_true", help="upgrade an ldap:// connection with StartTLS")
    ldap.set_defaults(run=_cmd_sync_ldap)


async def sync(node: Node, source: str, records: list[Person | BadRecord], department: str = "") -> Summary:
    """Runs one import with progress on stderr and problems on stdout; the summary line last."""
    label = f"{source} import" + (f" of {department}" if department else "")
    progress = Progress(len(records), label)
    run = DirectorySync(node, source, department, report=lambda line: print(line, flush=True))
    try:
        summary = await run.run(records, progress.advance)
    finally:
        progress.close()
    print(summary.line(), flush=True)
    return summary


def _cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        records = csv_source.read_people(args.file)
    except csv_source.SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(node: Node) -> int:
        return 1 if (await sync(node, "csv", records, args.department)).errors else 0

    return asyncio.run(with_node(settings, work))


def _cmd_sync_ldap(settings: Settings, args: argparse.Namespace) -> int:
    from directory import ldap_source  # ldap3 is loaded only by the command that needs it

    password = ""
    if args.password_file is not None:
        try:
            password = args.password_file.read_text().rstrip("\r\n")
        except OSError as exc:
            print(f"error: cannot read the password file: {exc}", file=sys.stderr)
            return 2
    query = ldap_source.LDAPQuery(
        url=args.url,
        base_dn=args.base_dn,
        bind_dn=args.bind_dn,
        password=password,
        filter=args.filter,
        department=args.department,
        skills_attribute=args.skills_attribute,
        start_tls=args.start_tls,
    )
    try:
        records = ldap_source.read_people(query)
    except ldap_source.SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(node: Node) -> int:
        return 1 if (await sync(node, "ldap", records, args.department)).errors else 0

    return asyncio.run(with_node(settings, work))

"""Command-line parts of the directory, wired into server.py's parser.

python server.py user set NAME [--department D] [--title T] [--location L] [--phone P]
                               [--skills "a;b"] [--manager user@domain]
python server.py directory pull
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from directory.entries import sync_account
from directory.exchange import pull_all
from directory.profiles import ProfileError, parse_work_changes, update_work_profile
from federation.actors import instance_actor
from models.accounts import Account
from models.base import utcnow
from node import Node, with_node
from outbox.interactions import send_profile_update
from settings import Settings

WORK_OPTIONS = ("department", "title", "location", "phone", "skills", "manager")


def add_user_set(user_commands: Any) -> None:
    command = user_commands.add_parser("set", help="change a local user's work profile (department, title, ...)")
    command.add_argument("name")
    for option in WORK_OPTIONS:
        command.add_argument(f"--{option}")
    command.epilog = 'Skills are separated by ";" or ","; --manager takes user or user@domain; "" clears a value.'
    command.set_defaults(run=_cmd_user_set)


def add_directory_pull(directory_commands: Any) -> None:
    command = directory_commands.add_parser("pull", help="pull every peer node's directory now")
    command.set_defaults(run=_cmd_directory_pull)


def _cmd_user_set(settings: Settings, args: argparse.Namespace) -> int:
    given = {name: getattr(args, name) for name in WORK_OPTIONS if getattr(args, name) is not None}

    async def work(node: Node) -> int:
        account = await Account.filter(username__iexact=args.name, domain="", actor_type="Person").first()
        if account is None:
            print(f"error: no user named {args.name!r}; see: python server.py user add --help", file=sys.stderr)
            return 1
        if not given:
            print("nothing to change: give at least one of " + ", ".join(f"--{o}" for o in WORK_OPTIONS))
            return 1
        try:
            changed = await update_work_profile(node, account, parse_work_changes(given))
        except ProfileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if not changed:
            print(f"{account.username}: nothing changed")
            return 0
        account.updated_at = utcnow()
        await account.save(update_fields=["fields_json", "updated_at"])
        await sync_account(account, settings.domain)
        # Followers' nodes get the new profile; the running node's worker delivers it.
        await send_profile_update(node, account)
        print(f"{account.username}: " + ", ".join(f"{name} = {value!r}" for name, value in given.items()))
        return 0

    return asyncio.run(with_node(settings, work))


def _cmd_directory_pull(settings: Settings, args: argparse.Namespace) -> int:
    async def work(node: Node) -> int:
        peers = sorted(settings.directory_peer_domains)
        if not peers:
            print(
                "no directory peers: set FEDI_DIRECTORY_PEERS to the other nodes' domains "
                "(in allowlist mode, FEDI_ALLOWED_DOMAINS is used when it is not set)"
            )
            return 0
        await instance_actor(node)  # it signs the fetches
        print(f"pulling the directories of {len(peers)} peer(s): {', '.join(peers)}", flush=True)
        results = await pull_all(node, progress=lambda line: print(f"  {line}", flush=True))
        for result in results:
            print(result.summary())
        failed = [r.peer for r in results if r.error]
        if failed:
            print(f"{len(failed)} of {len(results)} peer(s) failed; the worker tries again every five minutes")
        return 1 if failed else 0

    return asyncio.run(with_node(settings, work))

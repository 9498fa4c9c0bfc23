"""Builds the Flurfunk app (create_app) and the command line.

    python server.py serve [--host H] [--port P] [--workers N] [--no-worker]
    python server.py worker [--concurrency C]
    python server.py user add NAME --password PW [--email E] [--display-name N] [--admin]
    python server.py user set NAME [--department D --title T --location L --phone P --skills "a;b" --manager M]
    python server.py token NAME
    python server.py directory pull
    python server.py directory import FILE.csv | sync-ldap --url U --base-dn DN   (directory/import_cli.py)
    python server.py db upgrade | status   (models/migrate_cli.py)

Nothing runs at import: create_app(settings) returns a new app, so two apps with
different settings can be built in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import oauth.routes
from api.app import exception_handlers as api_exception_handlers
from api.app import middleware as api_middleware
from api.app import mounted as api_routes
from api.serializers.status_cache import RenderedStatuses
from api.streaming import routes as streaming_routes
from api.streaming_hub import StreamHub
from core import events
from core.event_bus_postgres import PostgresEventBus, is_postgres
from core.registration import RegistrationError, create_local_account
from core.sqlite_work_watch import SqliteWorkWatch
from directory import cli as directory_cli
from directory import import_cli
from directory.routes import routes as directory_routes
from federation.actors import instance_actor
from inbox.asgi import InboxFirst
from inbox.routes import routes as inbox_routes
from models import migrate_cli
from models.accounts import Account, User
from models.db import close_database, database, open_database
from models.sqlite_reader import sqlite_file
from node import Node, with_node
from oauth.tokens import cli_application, issue_token
from outbox.routes import routes as outbox_routes
from settings import Settings, SettingsError
from web import health, pages
from web import people as people_pages
from web_processes import run_web_processes
from webfinger.routes import routes as webfinger_routes
from workers import DELIVERY_CONCURRENCY, WORKER_STARTED, run_workers

STATIC_DIR = Path(__file__).parent / "web" / "static"
log = logging.getLogger("flurfunk")


def create_app(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The ASGI app for one node. `transport` replaces the network for in-process tests."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        await open_database(settings.database_url)
        node = Node.create(settings, transport)
        app.state.node = node
        await instance_actor(node)
        # Entities the timelines and streams rendered, reused while unchanged (api/serializers/status_cache.py).
        app.state.rendered_statuses = RenderedStatuses()
        hub = StreamHub(settings.base_url, app.state.rendered_statuses)
        app.state.stream_hub = hub
        events.subscribe(hub.on_event)
        bus = await join_other_processes(node)
        stop = asyncio.Event()
        worker = asyncio.create_task(run_workers(node, stop)) if settings.run_workers else None
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            if bus is not None:
                await bus.close()
            events.unsubscribe(hub.on_event)
            await node.close()
            await close_database()

    settings.media_dir.mkdir(parents=True, exist_ok=True)
    # The client API first: its requests are most of a node's, and one Mount test passes the rest on.
    under_api = [route for route in oauth.routes.routes if getattr(route, "path", "").startswith("/api/")]
    routes = [
        api_routes(also=[*under_api, *streaming_routes]),
        *webfinger_routes,
        *inbox_routes,
        *outbox_routes,
        *(route for route in oauth.routes.routes if route not in under_api),
        *directory_routes,
        *people_pages.routes,
        *health.routes,
        Route("/@{username}", pages.profile_by_handle, methods=["GET"]),
        Route("/@{username}/{status_id}", pages.status_by_handle, methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        Mount("/media", StaticFiles(directory=str(settings.media_dir), check_dir=False), name="media"),
    ]
    # Inbox POSTs first (inbox/asgi.py): they need neither the routing nor the client API's CORS.
    middleware: list[Middleware] = [Middleware(InboxFirst), *api_middleware]
    return Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers=dict(api_exception_handlers)
    )


def settle() -> None:
    """For a process that runs until stopped: what loading the code left behind (modules, classes,
    functions, the models' metadata) is put out of the garbage collector's way with gc.freeze.
    A full collection then walks about 21,000 objects instead of 94,000 (a node after start);
    one over all of them took 60-80 ms on a busy 2-core VM, a stall for every request in flight.
    Frozen objects are still freed as usual once nothing refers to them; only cycles among
    them are never collected, and these live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> Starlette:
    """The app of one of `serve --workers N`'s web processes, which uvicorn builds in each.

    Settings come from FEDI_* as for every command; these processes run no workers (the
    `worker` process that serve starts beside them, or those run separately, do that work).
    """
    app = create_app(Settings.from_env(run_workers=False, apply_on_arrival=False))
    settle()
    return app


async def join_other_processes(node: Node) -> PostgresEventBus | None:
    """On PostgreSQL, exchange stream events and work wake-ups with the node's other processes.

    Every process joins, even a lone one: it cannot know whether others run beside it.
    """
    if not is_postgres(node.settings.database_url):
        return None
    bus = PostgresEventBus(node.settings.database_url, on_work=node.wake_here)
    await bus.start()
    node.wake_others = bus.wake
    return bus


def _sqlite_work_watch(node: Node) -> SqliteWorkWatch | None:
    """On an SQLite file, what wakes this worker process when a web process queues work."""
    filename = sqlite_file(database())
    return None if filename is None else SqliteWorkWatch(node, filename)


async def run_worker_process(settings: Settings, concurrency: int, stop: asyncio.Event) -> None:
    """`python server.py worker`: deliveries, inbox processing and the periodic jobs, until `stop`."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    await open_database(settings.database_url)
    node = Node.create(settings)
    try:
        await instance_actor(node)
        bus = await join_other_processes(node)
        try:
            watch = _sqlite_work_watch(node)
            if watch is None:
                await run_workers(node, stop, concurrency)
            else:
                await asyncio.gather(run_workers(node, stop, concurrency), watch.run(stop))
        finally:
            if bus is not None:
                await bus.close()
    finally:
        await node.close()
        await close_database()


# ---- command line -------------------------------------------------------------------------


async def _with_database(settings: Settings, work):
    return await with_node(settings, lambda _node: work())


def _cmd_user_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        try:
            account = await create_local_account(
                settings.base_url, args.name, args.password, args.email or "", args.display_name or "", args.admin
            )
        except RegistrationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"created {account.username}@{settings.domain}" + (" (admin)" if args.admin else ""))
        return 0

    return asyncio.run(_with_database(settings, work))


def _cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    async def work() -> int:
        account = await Account.filter(username__iexact=args.name, domain="", actor_type="Person").first()
        if account is None:
            print(
                f"error: no user named {args.name!r}; create one with: python server.py user add NAME --password PW",
                file=sys.stderr,
            )
            return 1
        token = await issue_token(account, await cli_application(), "read write follow push")
        print(token.token)
        return 0

    return asyncio.run(_with_database(settings, work))


def _first_run_admin(settings: Settings) -> None:
    """For `make run`: on a node with nobody yet, create an admin and say how to log in."""

    async def work() -> None:
        if await User.all().exists():
            return
        password = secrets.token_urlsafe(12)
        await create_local_account(settings.base_url, "admin", password, admin=True, display_name="Administrator")
        print(
            "\n"
            "  First start: created the administrator account\n"
            f"    user name: admin      password: {password}\n"
            f"  Point any Mastodon app (Tusky, Elk, Phanpy, toot, Mastodon.py) at {settings.base_url}\n"
            "  and log in as admin with that password.\n"
            f"  Or get a token for scripts:  .venv/bin/python server.py token admin\n"
            "  Add people:  .venv/bin/python server.py user add NAME --password PW\n",
            flush=True,
        )

    asyncio.run(_with_database(settings, work))


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.init_admin:
        _first_run_admin(settings)
    processes = f"{args.workers} web processes" if args.workers > 1 else "one web process"
    workers = "no workers (run `server.py worker`)" if args.no_worker else "workers"
    if args.workers > 1 and not args.no_worker:
        workers = "a worker process"
    print(
        f"Flurfunk node {settings.domain} listening on http://{args.host}:{args.port} ({settings.base_url}):"
        f" {processes}, {workers}",
        flush=True,
    )
    options = dict(host=args.host, port=args.port, log_level=args.log_level, proxy_headers=True, server_header=False)
    if args.workers == 1:
        app = create_app(replace(settings, run_workers=not args.no_worker, apply_on_arrival=not args.no_worker))
        settle()
        uvicorn.run(app, **options)
        return 0
    if not is_postgres(settings.database_url):
        print("warning: several processes on SQLite take turns writing; use PostgreSQL (FEDI_DB)", file=sys.stderr)
    # The schema is made here, once, before the web processes all start at the same moment.
    asyncio.run(_with_database(settings, _nothing))
    # The web processes (web_processes.py) only serve, so the workers get a process of their own.
    worker = None if args.no_worker else subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "worker"])
    try:
        return run_web_processes(args.workers, options)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()


async def _nothing() -> None:
    return None


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        print("error: --concurrency must be at least 1", file=sys.stderr)
        return 2

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        print(f"{WORKER_STARTED} {settings.domain}: up to {args.concurrency} deliveries at once", flush=True)
        await run_worker_process(settings, args.concurrency, stop)

    # A worker process is there to deliver: the HTTP client of deliveries (federation/posting.py,
    # loaded on first use elsewhere) is loaded now, not during its first burst, where its import
    # and TLS defaults cost about 0.1 s of CPU while deliveries wait.
    import aiohttp  # noqa: F401

    settle()
    _run_loop(work())
    return 0


def _run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop when it is installed, as uvicorn runs `serve`: the worker's every
    query result comes back from aiosqlite's thread through the loop, which uvloop wakes for
    far less than asyncio's own selector loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="server.py", description="A Flurfunk node.")
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app and the delivery and inbox workers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--init-admin", action="store_true", help="create an admin account if the node has no users")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes (default 1); with more than one, a separate worker process does the background work",
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="serve the web only; `server.py worker` processes do the rest"
    )
    serve.set_defaults(run=_cmd_serve)

    worker = commands.add_parser("worker", help="run deliveries, inbox processing and the periodic jobs")
    worker.add_argument(
        "--concurrency",
        type=int,
        default=DELIVERY_CONCURRENCY,
        help=f"deliveries in flight at once (default {DELIVERY_CONCURRENCY})",
    )
    worker.set_defaults(run=_cmd_worker)

    user = commands.add_parser("user", help="manage local accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create a local account with its key pair")
    add.add_argument("name")
    add.add_argument("--password", required=True)
    add.add_argument("--email")
    add.add_argument("--display-name")
    add.add_argument("--admin", action="store_true")
    add.set_defaults(run=_cmd_user_add)
    directory_cli.add_user_set(user)

    token = commands.add_parser("token", help="print a new access token (read write follow push) for a user")
    token.add_argument("name")
    token.set_defaults(run=_cmd_token)

    directory = commands.add_parser("directory", help="the company directory").add_subparsers(
        dest="action", required=True
    )
    directory_cli.add_directory_pull(directory)
    import_cli.add_subcommands(directory)
    migrate_cli.add_subcommands(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return args.run(settings, args)


if __name__ == "__main__":
    sys.exit(main())

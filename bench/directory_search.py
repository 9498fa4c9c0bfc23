"""Ranked people search over a company directory of 100,000 people: median and p99 latency.

    python bench/directory_search.py [--people 100000] [--rounds 30] [--db postgres://user:pw@host:port/db]

Seeds one node's database with people spread over three node domains (as the directory
exchange would leave them), indexes them, then times people.search.search_people for a set
of realistic queries: whole names, prefixes typed half-way, German names spelt without
umlauts, skills, and filters. The goal (issue 4): under 20 ms on one node.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.accounts import Account  # noqa: E402
from models.db import close_database, open_database  # noqa: E402
from models.directory import DirectoryEntry  # noqa: E402
from models.ids import new_id  # noqa: E402
from people.index import reindex  # noqa: E402
from people.query import Query  # noqa: E402
from people.search import search_people  # noqa: E402

NODES = ("hq.corp.example", "vienna.corp.example", "plants.corp.example")
FIRST = (
    "Anna Jürgen Lukas Sophie Maximilian Marie Felix Lea Jonas Emma Paul Mia Leon Hannah Elias Lena Noah Clara "
    "Björn Zoë Sören Małgorzata José Chloé Ümit Øystein Ana Kai Yuki Priya Omar Fatima Nikolai Olga Chen Aisha"
).split()
LAST = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein "
    "Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Groß "
    "Köhler Jäger Dvořák Nowak García Rossi Novak Öztürk Lindqvist Andersen O'Brien Kowalski Yılmaz Tanaka"
).split()
DEPARTMENTS = (
    "Engineering",
    "Platform Engineering",
    "Finance",
    "Human Resources",
    "Sales",
    "Marketing",
    "Legal",
    "Procurement",
    "Customer Support",
    "Research & Development",
    "Logistics",
    "Quality Assurance",
)
TITLES = (
    "Software Engineer",
    "Senior Software Engineer",
    "Team Lead",
    "Accountant",
    "Controller",
    "Sales Manager",
    "Account Executive",
    "Recruiter",
    "Lawyer",
    "Buyer",
    "Support Specialist",
    "Data Scientist",
    "Product Owner",
    "Site Reliability Engineer",
)
LOCATIONS = ("Wien", "München", "Köln", "Berlin", "Zürich", "Graz", "Düsseldorf", "Linz", "Hamburg", "Praha")
SKILLS = (
    "Kubernetes",
    "Python",
    "Go",
    "PostgreSQL",
    "Tax law",
    "Contract law",
    "SAP",
    "Excel",
    "Negotiation",
    "Machine learning",
    "Terraform",
    "Public speaking",
    "Français",
    "Español",
    "Supply chain",
    "Lean management",
    "ISO 9001",
    "Rust",
    "React",
    "Accessibility",
)
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("Müller", {}),
    ("mueller", {}),
    ("jurgen schr", {}),
    ("kube", {}),
    ("kubernetes wien", {}),
    ("site reliab", {}),
    ("tax law", {}),
    ("Sören Köhler", {}),
    ("soeren koehler", {}),
    ("ana", {}),
    ("m", {}),
    ("python", {"location": "Muenchen"}),
    ("", {"department": "engineering", "skill": "rust"}),
    ("engineer", {"department": "platform"}),
]


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // total
    print(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done:>7,}/{total:,}", end="", flush=True)
    if done == total:
        print()


async def seed(count: int) -> None:
    rng = random.Random(4)
    batch = 2_000
    for start in range(0, count, batch):
        accounts, entries = [], []
        for i in range(start, min(count, start + batch)):
            node = NODES[i % len(NODES)]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            username = f"{first.lower()}.{last.lower()}.{i}".encode("ascii", "ignore").decode().replace("'", "")
            uri = f"https://{node}/users/{username}"
            account = Account(id=new_id(), username=username, domain=node, display_name=f"{first} {last}", uri=uri)
            accounts.append(account)
            entries.append(
                DirectoryEntry(
                    account_id=account.id,
                    node=node,
                    actor_uri=uri,
                    handle=f"{username}@{node}",
                    display_name=f"{first} {last}",
                    department=rng.choice(DEPARTMENTS),
                    title=rng.choice(TITLES),
                    location=rng.choice(LOCATIONS),
                    skills=rng.sample(SKILLS, rng.randint(1, 4)),
                )
            )
        await Account.bulk_create(accounts)
        await DirectoryEntry.bulk_create(entries)
        progress(min(count, start + batch), count, "people")
    await reindex(progress=lambda done, total: progress(done, total, "index"))


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(people: int, rounds: int, db_url: str) -> None:
    await open_database(db_url)
    try:
        backend = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
        print(f"Machine: {machine()}")
        print(f"Backend: {backend}; seeding {people:,} people on {len(NODES)} node domains")
        started = time.perf_counter()
        await seed(people)
        print(f"  seeded and indexed in {time.perf_counter() - started:.1f} s")

        everything: list[float] = []
        print(f"\n{'query':<42} {'hits':>5} {'median ms':>10} {'p99 ms':>8}")
        for q, filters in QUERIES:
            query = Query.parse(q, **filters)
            hits = len(await search_people(query, 20))  # warm-up
            samples = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                await search_people(query, 20)
                samples.append((time.perf_counter() - t0) * 1000)
            everything.extend(samples)
            label = q + "".join(f" {k}={v}" for k, v in filters.items())
            print(f"{label:<42} {hits:>5} {statistics.median(samples):>10.2f} {percentile(samples, 99):>8.2f}")
        print(
            f"\nAll {len(everything)} searches: median {statistics.median(everything):.2f} ms,"
            f" p99 {percentile(everything, 99):.2f} ms (goal: under 20 ms)"
        )
    finally:
        await close_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--db", default="", help="a PostgreSQL URL (an empty database); default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite://{tmp}/bench.sqlite3"
        asyncio.run(run(args.people, args.rounds, db_url))


if __name__ == "__main__":
    main()

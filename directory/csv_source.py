"""People from a CSV file: a header row of LDAP attribute names, then one person a row.

    uid,cn,mail,departmentNumber,title,l,telephoneNumber,manager,skills
    jdoe,Jane Doe,jane.doe@corp.example,R&D,Engineer,Vienna,+43 1 234,uid=boss,Kubernetes;Go

Spreadsheet exports are welcome: a UTF-8 byte order mark is skipped, and `;` or a tab may
separate the columns instead of `,` (then quote the skills cell).
"""

from __future__ import annotations

import csv
from pathlib import Path

from directory.importing import ATTRIBUTES, BadRecord, Person, person_from


class SourceError(Exception):
    """The file as a whole cannot be read."""


def _dialect(header_line: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_people(path: Path) -> list[Person | BadRecord]:
    """Every row of the file as a Person or, with its line number, a BadRecord."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from None
    lines = text.splitlines(keepends=True)
    if not lines:
        raise SourceError(f"{path} is empty: it needs a header row ({','.join(ATTRIBUTES)},skills)")
    reader = csv.DictReader(lines, dialect=_dialect(lines[0]))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "uid" not in header:
        raise SourceError(f"{path}: the header row has no uid column (found: {', '.join(header) or 'nothing'})")
    records: list[Person | BadRecord] = []
    for row in reader:
        where = f"line {reader.line_num}"  # its last line, should a quoted cell span several
        if None in row:
            uid = (row.get("uid") or "").strip().lower()
            records.append(BadRecord(where, "more cells than the header has columns", uid))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        records.append(person_from(row, where))
    return records

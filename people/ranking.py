"""How much a match in each field counts: a name above a title, a title above a skill.

Someone searching "Weber" wants the person called Weber before the people whose skill is
"weber" (the tool); someone searching "kubernetes" gets the Kubernetes people, and among
those, whoever has it in their title before whoever merely lists it as a skill.
"""

from __future__ import annotations

# SQLite FTS5: bm25() weights per index column, in the column order of people.index.FTS_COLUMNS.
BM25_WEIGHTS = {"name": 10.0, "handle": 8.0, "department": 3.0, "title": 4.0, "location": 2.0, "skills": 1.0}

# PostgreSQL: each field is stored under one tsvector weight label; ts_rank's weights for
# {D, C, B, A} (its defaults, 0.1/0.2/0.4/1.0, already give this order).
TSVECTOR_LABELS = {"name": "A", "handle": "A", "title": "B", "department": "C", "location": "C", "skills": "D"}
TS_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

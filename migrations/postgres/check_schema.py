#!/usr/bin/env python3
"""Checks a PostgreSQL database against src/db/schema.rs, the contract both backends share.

Every `diesel::table!` must exist with the same key, and each of its columns with the type diesel's
PostgreSQL backend reads as the declared SQL type and the same nullability; no table may exist that
schema.rs lacks (but diesel's own), and no column either (but those listed in EXTRA_COLUMNS, which
diesel never reads). Uses `psql -At`, so it needs no driver.

    python3 migrations/postgres/check_schema.py [DBNAME or postgres:// URL]   (default: errata)

PGHOST, PGUSER and the other libpq variables apply; PGHOST defaults to 127.0.0.1, PGUSER to postgres.
Exits 1 on any mismatch, printing each.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

SCHEMA_RS = Path(__file__).resolve().parents[2] / "src" / "db" / "schema.rs"

# diesel's SQL types as information_schema.columns.data_type names them.
PG_TYPES = {
    "BigInt": "bigint",
    "Integer": "integer",
    "SmallInt": "smallint",
    "Text": "text",
    "Timestamp": "timestamp without time zone",
    "Timestamptz": "timestamp with time zone",
    "Bool": "boolean",
    "Double": "double precision",
    "Float": "real",
    "Binary": "bytea",
    "Date": "date",
}

# Tables that are in the database on purpose and not in schema.rs.
EXTRA_TABLES = {"__diesel_schema_migrations"}
# Columns that are in the database on purpose and not in schema.rs (diesel never selects `*`).
EXTRA_COLUMNS = {("reports", "search")}

TABLE_RE = re.compile(r"diesel::table!\s*\{(.*?)\n\}", re.S)
HEAD_RE = re.compile(r"^\s*(\w+)\s*\(([^)]*)\)\s*\{", re.M)
COLUMN_RE = re.compile(r"^\s*(\w+)\s*->\s*([\w<>]+)\s*,", re.M)


def parse_schema(text):
    """{table: (primary key columns, {column: (sql type, nullable)})} from schema.rs's table! blocks."""
    tables = {}
    for block in TABLE_RE.findall(text):
        body = "\n".join(l for l in block.splitlines() if not l.strip().startswith("//"))
        head = HEAD_RE.search(body)
        if head is None:
            raise SystemExit(f"cannot read a table! block in {SCHEMA_RS}:\n{block}")
        name, key = head.group(1), [k.strip() for k in head.group(2).split(",") if k.strip()]
        columns = {}
        for column, sql_type in COLUMN_RE.findall(body[head.end():]):
            nullable = sql_type.startswith("Nullable<")
            if nullable:
                sql_type = sql_type[len("Nullable<"):-1]
            columns[column] = (sql_type, nullable)
        tables[name] = (key, columns)
    return tables


def psql(db, sql):
    env = dict(os.environ)
    env.setdefault("PGHOST", "127.0.0.1")
    env.setdefault("PGUSER", "postgres")
    out = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t", "-d", db, "-c", sql],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def main():
    db = sys.argv[1] if len(sys.argv) > 1 else "errata"
    expected = parse_schema(SCHEMA_RS.read_text())
    if not expected:
        raise SystemExit(f"no table! found in {SCHEMA_RS}")

    found_tables = {r[0] for r in psql(db, """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'""")}
    found_columns = {}
    for table, column, data_type, is_nullable in psql(db, """
            SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = current_schema()"""):
        found_columns[(table, column)] = (data_type, is_nullable == "YES")
    found_keys = {}
    for table, column in psql(db, """
            SELECT tc.table_name, kcu.column_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu
              ON kcu.constraint_schema = tc.constraint_schema
             AND kcu.constraint_name = tc.constraint_name
            WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
            ORDER BY tc.table_name, kcu.ordinal_position"""):
        found_keys.setdefault(table, []).append(column)

    problems = []
    for table, (key, columns) in sorted(expected.items()):
        if table not in found_tables:
            problems.append(f"{table}: table missing")
            continue
        if found_keys.get(table, []) != key:
            problems.append(f"{table}: primary key is {found_keys.get(table)}, schema.rs says {key}")
        for column, (sql_type, nullable) in columns.items():
            want = PG_TYPES.get(sql_type)
            if want is None:
                problems.append(f"{table}.{column}: no PostgreSQL type known for {sql_type}")
                continue
            got = found_columns.get((table, column))
            if got is None:
                problems.append(f"{table}.{column}: column missing")
                continue
            if got[0] != want:
                problems.append(f"{table}.{column}: {got[0]}, schema.rs says {sql_type} ({want})")
            if got[1] != nullable:
                problems.append(f"{table}.{column}: {'nullable' if got[1] else 'NOT NULL'}, "
                                f"schema.rs says {'Nullable' if nullable else 'not null'}")
    for table in sorted(found_tables - set(expected) - EXTRA_TABLES):
        problems.append(f"{table}: table not in schema.rs")
    for table, column in sorted(found_columns):
        if (table in expected and column not in expected[table][1]
                and (table, column) not in EXTRA_COLUMNS):
            problems.append(f"{table}.{column}: column not in schema.rs")

    for p in problems:
        print(p)
    n_columns = sum(len(c) for _, c in expected.values())
    if problems:
        print(f"{len(problems)} mismatches against {SCHEMA_RS.name}")
        return 1
    print(f"{db} matches {SCHEMA_RS.name}: {len(expected)} tables, {n_columns} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())

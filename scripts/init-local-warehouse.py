#!/usr/bin/env python3
"""Creates the CustomerTrack warehouse objects in fakesnow (Snowflake's protocol on DuckDB).

Runs the CREATE TABLE statements of sql/02_ingest.sql and sql/03_scd_tables.sql and their INSERTs (the merge's
default settings) as Snowflake's parser (sqlglot, read="snowflake") reads them, then flows/local/stream-view.sql: fakesnow has no stages, pipes, streams or tasks, so
the stream becomes a view and TriggerSnowflakeMerge loads and merges (Load Mode "copy"). Idempotent.
sql/ is the default declaration's SQL; --sql-dir takes another declaration's, as scripts/render-sql.sh --out writes it.

The Docker local profile runs it in the fakesnow image; the tests run it from scripts/python-tools.sh's environment,
so both create the same objects. Needs snowflake-connector-python and sqlglot (both come with fakesnow).
Exit codes: 0 done, 2 usage or missing files, 3 fakesnow unreachable, 4 a statement failed.
"""
import argparse
import logging
import pathlib
import sys
import time

import snowflake.connector
import sqlglot
from sqlglot import exp

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE_FILES = ("02_ingest.sql", "03_scd_tables.sql")
VIEW_FILE = "flows/local/stream-view.sql"


def statements(path, keep, without_keys=False):
    """The statements of a file as parsed Snowflake SQL, in order, filtered by keep(expression)."""
    text = path.read_text(encoding="utf-8")
    parsed = [e for e in sqlglot.parse(text, read="snowflake") if e is not None and keep(e)]
    return [(drop_keys(e) if without_keys else e).sql(dialect="snowflake") for e in parsed]


def drop_keys(expression):
    """The statement without PRIMARY KEY and UNIQUE constraints: Snowflake declares them but enforces neither."""
    keys = (exp.PrimaryKey, exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint)

    def without(node):
        if isinstance(node, exp.ColumnConstraint) and isinstance(node.args.get("kind"), keys):
            return None
        if isinstance(node, keys):
            return None
        return node
    return expression.transform(without)


def is_table_or_seed(expression):
    return (isinstance(expression, exp.Create) and expression.kind == "TABLE") or isinstance(expression, exp.Insert)


def connect(args):
    session = {"FAKESNOW_DB_PATH": args.db_path} if args.db_path else {}
    deadline = time.monotonic() + args.wait
    while True:
        try:
            return snowflake.connector.connect(user="customertrack", password="fakesnow", account="fakesnow",
                                               host=args.host, port=args.port, protocol="http",
                                               session_parameters=session, login_timeout=10, network_timeout=60)
        except snowflake.connector.errors.Error as error:
            if time.monotonic() > deadline:
                print(f"init-local-warehouse: fakesnow at {args.host}:{args.port} unreachable: {error}", file=sys.stderr)
                sys.exit(3)
            time.sleep(1)


def main():
    # sqlglot reads account objects (pipes, grants) as generic commands and warns about each; only tables matter here.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database", default="CUSTOMERTRACK")
    parser.add_argument("--schema", default="CORE")
    parser.add_argument("--db-path", help="fakesnow's FAKESNOW_DB_PATH session parameter (default: its shared in-memory database)")
    parser.add_argument("--sql-dir", type=pathlib.Path, default=ROOT / "sql",
                        help="the folder of 02_ingest.sql and 03_scd_tables.sql (default: sql/, the default declaration's)")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for fakesnow to answer")
    parser.add_argument("--without-keys", action="store_true",
                        help="create the tables without PRIMARY KEY/UNIQUE, as unenforced as on Snowflake (DuckDB enforces them)")
    args = parser.parse_args()

    try:
        tables = [sql for name in TABLE_FILES for sql in statements(args.sql_dir / name, is_table_or_seed, args.without_keys)]
        views = statements(ROOT / VIEW_FILE, lambda e: True)
    except (OSError, sqlglot.errors.ParseError) as error:
        print(f"init-local-warehouse: {error}", file=sys.stderr)
        sys.exit(2)
    if not tables:
        print(f"init-local-warehouse: no CREATE TABLE in {', '.join(TABLE_FILES)} of {args.sql_dir}", file=sys.stderr)
        sys.exit(2)

    connection = connect(args)
    try:
        cursor = connection.cursor()
        for sql in [f"CREATE DATABASE IF NOT EXISTS {args.database}",
                    f"CREATE SCHEMA IF NOT EXISTS {args.database}.{args.schema}",
                    f"USE SCHEMA {args.database}.{args.schema}"] + tables + views:
            try:
                cursor.execute(sql)
            except snowflake.connector.errors.Error as error:
                print(f"init-local-warehouse: failed: {sql.splitlines()[0]} ...: {error}", file=sys.stderr)
                sys.exit(4)
    finally:
        connection.close()
    print(f"init-local-warehouse: {len(tables)} tables and settings, and the stream view in {args.database}.{args.schema}")


if __name__ == "__main__":
    main()

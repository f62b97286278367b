"""Parses SQL statements as Snowflake SQL with sqlglot and sqlfluff and reports, per statement, what each parser said.

Input: a JSON file holding a list of {"id": ..., "sql": ...}. Output (stdout): a JSON list of
{"id": ..., "sqlglot": "ok" | "<error>", "sqlfluff": "ok" | "<error>"}. Statements are split by the caller
(the project's one splitter, MergeScript.split); this script only parses. sqlglot turns statements it does not know
into a generic Command instead of failing: that counts as not parsed.
"""
import json
import sys

import sqlfluff
import sqlglot
from sqlglot import exp


def sqlglot_verdict(sql: str) -> str:
    try:
        tree = sqlglot.parse_one(sql, read="snowflake")
    except sqlglot.errors.ParseError as error:
        return f"ParseError: {str(error).splitlines()[0]}"
    if isinstance(tree, exp.Command):
        return f"not parsed: read as a generic Command ({tree.name})"
    return "ok"


def sqlfluff_verdict(sql: str) -> str:
    try:
        sqlfluff.parse(sql + ";", dialect="snowflake")
    except sqlfluff.api.simple.APIParsingError as error:
        first = error.violations[0] if error.violations else None
        where = f" at line {first.line_no}, position {first.line_pos}" if first else ""
        return f"unparsable{where}: {first.desc() if first else error}"
    return "ok"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as source:
        statements = json.load(source)
    verdicts = [{"id": s["id"], "sqlglot": sqlglot_verdict(s["sql"]), "sqlfluff": sqlfluff_verdict(s["sql"])} for s in statements]
    json.dump(verdicts, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

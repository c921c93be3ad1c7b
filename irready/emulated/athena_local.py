"""Run the saved Athena queries in-process: each query is parsed as Athena's (Trino) SQL with sqlglot,
transpiled to DuckDB's dialect and run by DuckDB over log files laid out as in S3.

What stands in for Athena, and how far it goes:
- the tables are those of ``policies.investigation`` (same columns, same Hive types, same partition
  columns), filled from the files by what the table's SerDe would do: JSON keys matched without case,
  a nested value read into a ``string`` column as its JSON text (how CloudTrail's requestParameters
  reach Athena), numbers read into ``int`` columns from JSON strings;
- partition values come from each file's path, matched against the table's
  ``storage.location.template`` (the projection's job in Athena), so a template that does not fit
  AWS's layout fails here;
- ``?`` placeholders are bound in order, as Athena binds execution parameters.

Not emulated: Athena's engine limits, the workgroup's bytes-scanned cutoff, and S3/KMS access; the
scan estimate below models what Athena bills (whole compressed objects for JSON, the referenced
column chunks for Parquet) for the partitions the day predicates select.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from irready.policies.investigation import (
    CLOUDTRAIL,
    FLOW_LOGS,
    RESOLVER_QUERY_LOGS,
    TABLES,
    TABLES_BY_NAME,
    Query,
    Table,
    storage,
    template_pattern,
)

ATHENA = "athena"  # sqlglot's dialect for Athena's DML (Trino)


def parse(query: Query) -> exp.Expression:
    """The query as Athena parses it; raises sqlglot.errors.ParseError when it is not valid there."""
    return sqlglot.parse_one(query.sql, read=ATHENA)


def transpile(query: Query) -> str:
    """The query in DuckDB's dialect."""
    return parse(query).sql(dialect="duckdb")


@dataclass(frozen=True)
class LogFile:
    table: Table
    path: Path
    partitions: dict[str, str]

    @property
    def day(self) -> str:
        """The file's day partition as ``yyyy/MM/dd``, whichever columns hold it."""
        if "dt" in self.partitions:
            return self.partitions["dt"]
        return f"{self.partitions['year']}/{self.partitions['month']}/{self.partitions['day']}"


def log_files(root: Path, buckets: dict[str, str], organization_id: str) -> list[LogFile]:
    """Every file under ``root/<bucket>/`` that a table's location template matches, with its partition
    values. ``buckets`` maps table name to bucket name."""
    files = []
    for table in TABLES:
        bucket = buckets[table.name]
        _, template = storage(table, bucket, organization_id)
        pattern = template_pattern(template)
        for path in sorted((root / bucket).rglob("*")):
            if not path.is_file():
                continue
            match = pattern.match("s3://" + path.relative_to(root).as_posix())
            if match:
                files.append(LogFile(table, path, match.groupdict()))
    return files


def load(files: list[LogFile]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database with the workspace's three tables, filled from ``files``."""
    connection = duckdb.connect()
    types = {table.name: {name: _duckdb_type(hive) for name, hive in (*table.columns, *table.partition_keys)}
             for table in TABLES}
    for table in TABLES:
        columns = ", ".join(f'"{name}" {kind}' for name, kind in types[table.name].items())
        connection.execute(f'CREATE TABLE "{table.name}" ({columns})')
    with tempfile.TemporaryDirectory() as staging:
        for table in TABLES:
            mine = [file for file in files if file.table is table]
            if table is FLOW_LOGS:
                data = ", ".join(f'"{name}"' for name, _ in table.columns)
                for file in mine:  # its own columns only: not DuckDB's guess at Hive partitions from the path
                    partitions = ", ".join(f"'{value}' AS \"{name}\"" for name, value in file.partitions.items())
                    connection.execute(f'INSERT INTO "{table.name}" BY NAME SELECT {data}, {partitions} '
                                       f"FROM read_parquet('{file.path}')")
                continue
            data_types = {name: _parsed(hive) for name, hive in table.columns}
            rows = Path(staging) / f"{table.name}.json"
            with rows.open("w") as out:
                for file in mine:
                    for record in _records(file):
                        row = {name: _serde(_field(record, name), data_types[name]) for name in data_types}
                        out.write(json.dumps({**row, **file.partitions}) + "\n")
            if rows.stat().st_size:
                spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types[table.name].items()) + "}"
                connection.execute(f'INSERT INTO "{table.name}" BY NAME SELECT * FROM '
                                   f"read_json('{rows}', format='newline_delimited', columns={spec})")
    return connection


def run(connection: duckdb.DuckDBPyConnection, query: Query, parameters: list[str]) -> list[dict]:
    """The query's rows, each a dict by output column name."""
    if len(parameters) != len(query.parameters):
        raise ValueError(f"{query.name} takes {', '.join(query.parameters)}; got {len(parameters)} values")
    cursor = connection.execute(transpile(query), parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scanned_bytes(files: list[LogFile], query: Query, first_day: str, last_day: str) -> int:
    """What Athena would bill for ``query`` over these files with the day predicates
    ``first_day``..``last_day``: every byte of the compressed JSON objects in the selected partitions
    (a text format is read whole), and for Parquet the compressed column chunks of the columns the
    query references. https://docs.aws.amazon.com/athena/latest/ug/performance-tuning.html"""
    table = TABLES_BY_NAME[query.table]
    selected = [f for f in files if f.table is table and first_day <= f.day <= last_day]
    if table is not FLOW_LOGS:
        return sum(f.path.stat().st_size for f in selected)
    referenced = {column.name for column in parse(query).find_all(exp.Column)} & {n for n, _ in table.columns}
    connection = duckdb.connect()
    total = 0
    for file in selected:
        chunks = connection.execute("SELECT path_in_schema, total_compressed_size FROM parquet_metadata(?)",
                                    [str(file.path)])
        total += sum(size for column, size in chunks.fetchall() if column in referenced)
    return total


# --- what the SerDe does -------------------------------------------------------------------------------------

def _records(file: LogFile) -> list[dict]:
    text = gzip.decompress(file.path.read_bytes()).decode()
    if file.table is CLOUDTRAIL:
        return json.loads(text)["Records"]  # CloudTrailInputFormat: one row per record
    if file.table is RESOLVER_QUERY_LOGS:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    raise ValueError(f"no JSON reader for {file.table.name}")


def _parsed(hive_type: str) -> exp.DataType:
    return exp.DataType.build(hive_type, dialect="hive")


def _duckdb_type(hive_type: str) -> str:
    return _parsed(hive_type).sql(dialect="duckdb")


def _field(record: dict, name: str):
    """A JSON object's value for a column, keys compared without case (as the Hive JSON SerDes do)."""
    if not isinstance(record, dict):
        return None
    lowered = {key.lower(): value for key, value in record.items()}
    return lowered.get(name.lower())


def _serde(value, data_type: exp.DataType):
    if value is None:
        return None
    kind = data_type.this
    if kind == exp.DataType.Type.STRUCT:
        if not isinstance(value, dict):
            return None
        return {field.name: _serde(_field(value, field.name), field.args["kind"])
                for field in data_type.expressions}
    if kind == exp.DataType.Type.ARRAY:
        return [_serde(item, data_type.expressions[0]) for item in value] if isinstance(value, list) else None
    if kind in (exp.DataType.Type.INT, exp.DataType.Type.BIGINT):
        return int(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))

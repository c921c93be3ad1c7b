"""What each saved query would scan in Athena on a day of logs, measured on the synthetic incident.

    python -m bench.investigation_scan --scales 1,4

For each scale (1: about 3,000 CloudTrail events, 8,000 flow records and 3,000 DNS queries in the day),
it writes the day in AWS's layouts, then prints per saved query the bytes Athena would bill
(irready/emulated/athena_local.scanned_bytes: whole gzipped JSON objects for CloudTrail and Resolver
logs, the referenced column chunks for Parquet flow logs), and the bytes per record, which is what
extrapolates to a real organization's volume (docs/investigation.md).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from irready.policies import investigation
from tabulate import tabulate

from irready.emulated import athena_local, incident_logs

BUCKETS = {"cloudtrail": incident_logs.TRAIL_BUCKET, "vpc_flow_logs": incident_logs.NETWORK_BUCKET,
           "resolver_query_logs": incident_logs.NETWORK_BUCKET}


def measure(scale: int) -> list[list]:
    with tempfile.TemporaryDirectory() as root:
        truth = incident_logs.write_day(Path(root), scale=scale)
        files = athena_local.log_files(Path(root), BUCKETS, incident_logs.ORGANIZATION_ID)
        connection = athena_local.load(files)
        records = {table.name: connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                   for table in investigation.TABLES}
        rows = []
        for query in investigation.queries():
            scanned = athena_local.scanned_bytes(files, query, truth.day, truth.day)
            rows.append([scale, query.name, query.table, records[query.table], scanned,
                         round(scanned / records[query.table], 1)])
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,4", help="comma-separated multiples of the background")
    args = parser.parse_args()
    rows = [row for scale in map(int, args.scales.split(",")) for row in measure(scale)]
    print(tabulate(rows, headers=["scale", "query", "table", "records in the day", "bytes scanned",
                                  "bytes per record"], tablefmt="github"))


if __name__ == "__main__":
    main()

"""What a check sees: one account of a snapshot, the config, and safe access to the data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from irready.audit.config import AuditConfig
from irready.audit.model import Result
from irready.audit.snapshot import Unavailable, is_unavailable, require


def bucket_readers(snapshot: dict) -> dict[str, list[str]]:
    """Which accounts of ``snapshot`` read each bucket: ``{bucket name: [account id, ...]}`` in snapshot
    order. Built once per evaluation, so finding a bucket costs the same in any size of organization."""
    readers: dict[str, list[str]] = {}
    for account_id, account in snapshot["accounts"].items():
        # A damaged snapshot may hold anything here: what is not a mapping reads no bucket (the checks that
        # need the section say UNKNOWN for it).
        services = account.get("services") if isinstance(account, dict) else None
        s3 = services.get("s3") if isinstance(services, dict) else None
        buckets = s3.get("buckets") if isinstance(s3, dict) else None
        if not isinstance(buckets, dict):
            continue
        for name in buckets:
            readers.setdefault(name, []).append(account_id)
    return readers


@dataclass
class AccountContext:
    snapshot: dict
    account_id: str
    config: AuditConfig
    # bucket_readers(snapshot); computed on first use when not given (evaluate gives one for every account)
    readers: dict[str, list[str]] | None = field(default=None, repr=False)

    @property
    def account(self) -> dict:
        return self.snapshot["accounts"][self.account_id]

    @property
    def regions(self) -> list[str]:
        return list(self.account.get("regions", []))

    def service(self, name: str) -> Any:
        """A global service's data (account, iam, s3, cloudtrail_trails); Unavailable if not collected."""
        return require(self.account.get("services", {}).get(name), f"{name} in account {self.account_id}")

    def regional(self, name: str, region: str) -> Any:
        by_region = require(self.account.get("services", {}).get(name), f"{name} in account {self.account_id}")
        return require(by_region.get(region), f"{name} in {region}")

    def per_region(self, service: str, judge: Callable[[str, Any], Iterator[Result]],
                   resource: str = "-") -> Iterator[Result]:
        """``judge(region, data)`` for every audited region; UNKNOWN for a region whose data is missing.

        ``judge`` may itself raise Unavailable (for a second service it needs); that region is then
        UNKNOWN too, and the other regions are still judged.
        """
        for region in self.regions:
            try:
                yield from list(judge(region, self.regional(service, region)))
            except Unavailable as exc:
                yield Result.unknown(region, resource, exc.reason)

    def bucket(self, name: str) -> tuple[dict, str]:
        """A trail bucket's settings and the account they were read in.

        The bucket often lives in another (log archive) account: the first account of the snapshot
        that could read it wins.
        """
        if self.readers is None:
            self.readers = bucket_readers(self.snapshot)
        reasons = []
        for account_id in self.readers.get(name, ()):
            data = self.snapshot["accounts"][account_id]["services"]["s3"]["buckets"][name]
            if data is None:
                continue
            if not is_unavailable(data) and not is_unavailable(data.get("versioning")):
                return data, account_id
            try:
                require(data if is_unavailable(data) else data.get("versioning"), f"bucket {name}")
            except Unavailable as exc:
                reasons.append(exc.reason)
        raise Unavailable(reasons[0] if reasons else f"bucket {name} was not collected; "
                          "audit the account that owns it too")

    def account_public_access_block(self, account_id: str) -> Any:
        s3 = self.snapshot["accounts"][account_id].get("services", {}).get("s3") or {}
        return s3.get("account_public_access_block")

"""What a check sees: one account of a snapshot, the config, and safe access to the data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from irready.audit.config import AuditConfig
from irready.audit.model import Result
from irready.audit.snapshot import Unavailable, is_unavailable, iter_account_unavailable, require


@dataclass
class OrgIndex:
    """What checks of one account read from other accounts, gathered in one pass over the accounts so that
    evaluation can then hold one account at a time (audit/parts.py streams them from disk):

    - ``organization_trails``: (owner, trail) for each organization trail read in the account that owns it
      (members are logged by it even when their own listing does not show it);
    - ``buckets``: bucket name -> [(account id, settings)] for each account that read the bucket (the trail
      bucket often lives in a log archive account), in the order the accounts were added;
    - ``public_access_blocks``: the account-level S3 public access block of each account that read a bucket;
    - ``regions`` and ``coverage_gaps``: the summary's audited regions and unavailable markers.

    Other cross-account reads (the GuardDuty delegated administrator's rules, an SNS topic's subscriptions
    read in its owner) look up the one owner's account in ``snapshot["accounts"]``, which for a streamed
    snapshot loads that part through a small cache. Sizes: a few entries per organization trail and per
    trail bucket, plus one per coverage gap; nothing per resource of the accounts.
    """
    organization_trails: list[tuple[str, dict]] = field(default_factory=list)
    buckets: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    public_access_blocks: dict[str, Any] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    coverage_gaps: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, snapshot: dict) -> OrgIndex:
        """The index of a snapshot whose accounts are in memory (or of a streamed one, which carries its own)."""
        built = getattr(snapshot["accounts"], "index", None)
        if built is not None:
            return built
        index = cls()
        for account_id, account in snapshot["accounts"].items():
            index.add(account_id, account)
        return index

    def add(self, account_id: str, account: Any) -> None:
        """Take what other accounts' checks need from one account's entry (a damaged one adds what it can)."""
        if not isinstance(account, dict):
            return
        services = account.get("services")
        services = services if isinstance(services, dict) else {}
        regions = account.get("regions")
        if isinstance(regions, list):
            self.regions.update(r for r in regions if isinstance(r, str))
        self.add_gaps(account_id, account)
        trails = services.get("cloudtrail_trails")
        for trail in trails.values() if isinstance(trails, dict) else ():
            if isinstance(trail, dict) and trail.get("IsOrganizationTrail") and \
                    _arn_account(trail.get("TrailARN")) == account_id:
                self.organization_trails.append((account_id, trail))
        s3 = services.get("s3")
        buckets = s3.get("buckets") if isinstance(s3, dict) else None
        if not isinstance(buckets, dict):
            return
        for name, data in buckets.items():
            self.buckets.setdefault(name, []).append((account_id, data))
        if buckets:
            self.public_access_blocks[account_id] = s3.get("account_public_access_block")

    def merge(self, other: OrgIndex) -> None:
        """Add another index's entries (one built in a collection process) after this one's."""
        self.organization_trails += other.organization_trails
        for name, readings in other.buckets.items():
            self.buckets.setdefault(name, []).extend(readings)
        self.public_access_blocks.update(other.public_access_blocks)
        self.regions |= other.regions
        self.coverage_gaps += other.coverage_gaps

    def add_gaps(self, account_id: str, value: Any, where: tuple[str, ...] = ()) -> None:
        for path, marker in iter_account_unavailable(value, where):
            self.coverage_gaps.append({"account_id": account_id, "where": path, **marker})


def _arn_account(arn) -> str | None:
    parts = str(arn).split(":")
    return parts[4] if len(parts) > 5 else None


@dataclass
class AccountContext:
    snapshot: dict
    account_id: str
    config: AuditConfig
    # OrgIndex.of(snapshot); computed on first use when not given (evaluate gives one for every account)
    index: OrgIndex | None = field(default=None, repr=False)
    # this account's entry, when the caller already holds it (a streamed snapshot loads it once)
    part: dict | None = field(default=None, repr=False)

    @property
    def account(self) -> dict:
        return self.part if self.part is not None else self.snapshot["accounts"][self.account_id]

    @property
    def org(self) -> OrgIndex:
        if self.index is None:
            self.index = OrgIndex.of(self.snapshot)
        return self.index

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
        reasons = []
        for account_id, data in self.org.buckets.get(name, ()):
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
        """The account-level public access block of an account that read a trail bucket (see ``bucket``)."""
        return self.org.public_access_blocks.get(account_id)

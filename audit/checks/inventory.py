"""inventory.*: the business context AWS cannot give (is it production, who owns it, is there personal data)."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.inventory import COLLECTOR_SOURCES, account_inventory, missing_context
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity

_SHOWN = 5  # untagged resources named in the account's reason; each also gets its own FAIL when the share fails


def _business_context(ctx: AccountContext) -> Iterator[Result]:
    tags, minimum = ctx.config.context_tags, ctx.config.context_tags_min_percent
    inventory = account_inventory(ctx.account)
    if inventory.tags_unread:
        yield Result.unknown(GLOBAL, NO_RESOURCE, "the Resource Groups Tagging API could not be read in "
                             f"{', '.join(inventory.tags_unread)}: which resources carry {', '.join(tags)} is unknown")
        return
    resources = inventory.resources
    if not resources:
        if inventory.unread:
            yield Result.unknown(GLOBAL, NO_RESOURCE, f"no resources could be listed ({', '.join(inventory.unread)} "
                                 "unreadable)")
        return
    untagged = [(r, missing_context(r, tags)) for r in resources if missing_context(r, tags)]
    share = 100 * (len(resources) - len(untagged)) / len(resources)
    source = (f"of {len(resources)} resources the audit's collectors saw ({', '.join(COLLECTOR_SOURCES)}), tags from "
              "the Resource Groups Tagging API (it lists only tagged resources, so it does not give the count)"
              + (f"; not listed: {', '.join(inventory.unread)}" if inventory.unread else ""))
    summary = f"{share:.0f}% carry {', '.join(tags)} (at least {minimum}% wanted), {source}"
    names = ", ".join(r.arn for r, _ in untagged[:_SHOWN]) + (" ..." if len(untagged) > _SHOWN else "")
    if share >= minimum:
        yield Result.passed(GLOBAL, NO_RESOURCE, summary + (f"; untagged: {names}" if untagged else ""))
        return
    yield Result.failed(GLOBAL, NO_RESOURCE, summary)
    for resource, missing in untagged:
        yield Result.failed(resource.region, resource.arn, f"{resource.type} lacks tag(s) {', '.join(missing)}")


CHECKS = (
    Check(
        id="inventory.business_context",
        categories=("access", "forensics-ready"),
        title="Resources carry their business context in tags",
        severity=Severity.LOW,
        rationale="During an incident a responder must know at once whether an asset is production or test, "
                  "whether it holds personal data and whom to call; AWS cannot say, and asking around costs hours "
                  "while the attacker works.",
        remediation="Tag workloads with the context tags (audit setting context_tags; default environment, owner, "
                    "data-classification), e.g. through the deployment tool's default tags; an Organizations tag "
                    "policy reports non-compliant resources: infra component ContextTagPolicy "
                    "(infra/components/workload_evidence.py) attaches one with irready:tagPolicy (reporting only).",
        references=("https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html",
                    "https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html"),
        evaluate=_business_context,
    ),
)

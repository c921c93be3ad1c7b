"""Organization-wide guardrails: an SCP that keeps the preparation intact reaches the account."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity
from irready.audit.snapshot import require

from irready import policies


def _guardrail_scp(ctx: AccountContext) -> Iterator[Result]:
    organization = require(ctx.snapshot.get("organization"), "the organization's SCPs (read Organizations from the "
                                                             "management account or a delegated administrator)")
    if ctx.account_id == organization["management_account_id"]:
        yield Result.failed(GLOBAL, NO_RESOURCE, "the management account: SCPs never apply here, so no guardrail "
                            "covers it; keep workloads out of it and protect the trail bucket and key with their own "
                            "policies (OrganizationTrail denies their deletion and policy changes)")
        return
    scps = require(organization["scps"], "the organization's SCPs")
    ancestors = require(organization["ancestors"].get(ctx.account_id), f"the parents of {ctx.account_id}")
    reach = {ctx.account_id, *ancestors}
    applied = [scp for scp in scps if reach & set(scp["targets"])]
    gaps = set.intersection(*[_gaps(scp, applied) for scp in applied]) if applied else _gaps({"content": {}}, [])
    if gaps:
        # One name per action (an action is probed on several of irready's resources), the first dozen.
        actions = sorted({gap.split(" on ")[0] for gap in gaps})
        more = f" and {len(actions) - 12} more" if len(actions) > 12 else ""
        yield Result.failed(GLOBAL, NO_RESOURCE,
                            f"no SCP on this account or above it denies {', '.join(actions[:12])}{more}")
    else:
        names = ", ".join(sorted(scp["name"] for scp in applied if not _gaps(scp, applied)))
        yield Result.passed(GLOBAL, NO_RESOURCE, f"the guardrail applies ({names}): no stopping the logs, no changing "
                            "irready's roles, policies, automation, evidence or keys but by the deploying principals")


def _gaps(scp: dict, applied: list[dict]) -> set[str]:
    """``scp``'s gaps, probing the exemptions of every ``applied`` SCP (one's exemption is another's to protect)."""
    exempting = [other["content"] for other in applied]
    try:
        return set(policies.guardrail_gaps(scp["content"], exempting))
    except ValueError:  # a condition operator irready's evaluator does not read: count nothing as denied
        return set(policies.guardrail_gaps({}, exempting))


CHECKS = (
    Check(
        id="org.guardrail_scp",
        title="A guardrail SCP keeps the preparation intact",
        severity=Severity.MEDIUM,  # the tamper alerts detect what the SCP would prevent
        categories=("logging",),
        rationale="An intruder with administrator rights in an account stops the trail, deletes the detector or "
                  "flow logs, rewrites the responder role, or quietly deletes irready's log groups, disables its "
                  "alert rules, rewrites its functions or schedules its keys for deletion before anyone looks. "
                  "An SCP denying those calls to "
                  "all but the principals that deploy irready makes that impossible in member accounts; SCPs never "
                  "apply to the management account, which is reported as not covered.",
        remediation="Deploy infra component GuardrailScp (infra/components/guardrails.py), attached to the root or "
                    "the OUs in irready:guardrailTargets; the SCP is policies/scp/guardrail.json.",
        references=("https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html",
                    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html"),
        evaluate=_guardrail_scp,
    ),
)

"""Findings in the AWS Security Finding Format, for Security Hub's BatchImportFindings.

Security Hub accepts findings under the default product only for the account that imports them
("the identifier of the account that you are calling BatchImportFindings from needs to be the same as
the AwsAccountId attribute", https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html),
so every finding belongs to the importing (security) account and names the audited account as its resource.
A finding's Id is stable across runs: importing it again updates it; a resolved one is archived.
Fields: https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
"""

from __future__ import annotations

from irready.audit.model import GLOBAL, NO_RESOURCE, Finding, Status

SCHEMA_VERSION = "2018-10-08"
FINDING_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
BATCH = 100  # BatchImportFindings takes at most 100 findings a call


def finding(item: Finding, *, importer: str, region: str, at: str, resolved: bool = False,
            partition: str = "aws") -> dict:
    """One ASFF finding; ``importer``: the account calling BatchImportFindings in ``region``; ``at``:
    the run's time (ISO 8601). ``resolved``: a FAIL that went away, imported as PASSED and ARCHIVED."""
    resources = [{"Type": "AwsAccount", "Id": f"AWS::::Account:{item.account_id}", "Partition": partition,
                  "Region": region if item.region == GLOBAL else item.region}]
    if item.resource_id != NO_RESOURCE:
        resources.append({"Type": "Other", "Id": item.resource_id[:512], "Partition": partition,
                          "Region": resources[0]["Region"]})
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"irready/{item.check_id}/{item.account_id}/{item.region}/{item.resource_id}"[:512],
        "ProductArn": f"arn:{partition}:securityhub:{region}:{importer}:product/{importer}/default",
        "GeneratorId": f"irready/{item.check_id}",
        "AwsAccountId": importer,
        "Types": [FINDING_TYPE],
        "CreatedAt": at,
        "UpdatedAt": at,
        "Severity": {"Label": item.severity.value.upper()},
        "Title": item.title[:256],
        "Description": item.reason[:1024] or item.title[:1024],
        "Remediation": {"Recommendation": {"Text": item.remediation[:512]}},
        "Resources": resources,
        "Compliance": {"Status": "PASSED" if resolved else "FAILED"},
        "RecordState": "ARCHIVED" if resolved else "ACTIVE",
        "ProductFields": {"irready/CheckId": item.check_id, "irready/AuditedAccount": item.account_id,
                          "irready/Region": item.region, "irready/ResourceId": item.resource_id},
    }


def findings(current: list[Finding], resolved: list[Finding], **where) -> list[dict]:
    """Every FAIL of this run (active) and every FAIL resolved since the last (archived)."""
    return ([finding(f, **where) for f in current if f.status is Status.FAIL]
            + [finding(f, resolved=True, **where) for f in resolved])

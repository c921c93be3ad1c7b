"""Account-level readiness."""

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import GLOBAL, NO_RESOURCE, Check, Result, Severity


def _security_contact(ctx: AccountContext) -> Iterator[Result]:
    contact = ctx.service("account")["security_contact"]
    if not contact:
        yield Result.failed(GLOBAL, NO_RESOURCE, "no SECURITY alternate contact: AWS abuse and security notices "
                            "go only to the root e-mail address")
    else:
        yield Result.passed(GLOBAL, NO_RESOURCE, f"SECURITY contact {contact.get('EmailAddress', '?')}")


SECURITY_CONTACT = Check(
    id="account.security_contact",
    categories=("detection",),
    title="A SECURITY alternate contact is set",
    severity=Severity.HIGH,
    rationale="AWS sends abuse reports and security notices (leaked keys, compromised instances) to the security "
              "contact. Without one they reach only the root e-mail, which nobody may read during an incident.",
    remediation="Deploy infra component SecurityContacts (infra/components/alternate_contacts.py) with a "
                "distribution list (organization mode: infra component OrganizationSecurityContacts "
                "(infra/components/alternate_contacts.py) sets every account's), or: "
                "aws account put-alternate-contact --alternate-contact-type SECURITY ...",
    references=("https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html",),
    evaluate=_security_contact,
)

CHECKS = (SECURITY_CONTACT,)

"""The SECURITY alternate contact of every account of the organization (organization mode, issue #18):
the names, event patterns and IAM documents shared by the function that sets it
(irready/alternate_contacts.py, run in the security account) and the Pulumi component that deploys it
(infra/components/alternate_contacts.py).

The function calls Account Management's GetAlternateContact / PutAlternateContact with ``AccountId``,
which only the management account or the organization's one delegated administrator for
``account.amazonaws.com`` may do, for member accounts of the same organization; the management account
cannot name itself and keeps its own contact through Pulumi (standalone context)
(https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html,
https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html).

It is started by the organization's membership events, which Organizations records only in the
management account and only in us-east-1
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html), and
forwarded from there to the security account's member-events bus; and by a daily reconciliation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from irready.policies import names

SERVICE_PRINCIPAL = "account.amazonaws.com"  # Account Management: trusted access and delegated administrator
CONTACT_TYPE = "SECURITY"
FUNCTION = names.NAME_PREFIX + "security-contacts"  # in the security account
FUNCTION_ROLE = FUNCTION + "-function"
HANDLER = "irready.alternate_contacts.handler"
ORGANIZATION_EVENTS_REGION = "us-east-1"  # where Organizations' CloudTrail events reach EventBridge
ORGANIZATION_EVENTS_RULE = names.NAME_PREFIX + "organization-membership"  # management (default bus) and member bus
RECONCILE_SCHEDULE = "rate(1 day)"

# The contact, from the stack's irready:securityContact.
ENV_NAME, ENV_TITLE, ENV_EMAIL, ENV_PHONE = ("IRREADY_CONTACT_NAME", "IRREADY_CONTACT_TITLE", "IRREADY_CONTACT_EMAIL",
                                             "IRREADY_CONTACT_PHONE")

# What the events are called in CloudTrail (eventName) and how EventBridge labels them (detail-type).
CREATE_ACCOUNT_RESULT = "CreateAccountResult"  # a service event: serviceEventDetails.createAccountStatus
MOVE_ACCOUNT = "MoveAccount"  # an API call: requestParameters.accountId
ACCOUNT_JOINED = "AccountJoinedOrganization"  # a created or invited account joined (joinedMethod)



@dataclass(frozen=True)
class Contact:
    """The SECURITY alternate contact (irready:securityContact): what Pulumi's AlternativeContact sets in
    explicit mode, and what the function gets in its environment and PutAlternateContact takes in organization
    mode (https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html)."""
    name: str
    title: str
    email: str
    phone: str

    def fields(self) -> dict[str, str]:
        """PutAlternateContact's parameters (without the type and the account)."""
        return {"Name": self.name, "Title": self.title, "EmailAddress": self.email, "PhoneNumber": self.phone}

    def environment(self) -> dict[str, str]:
        """The function's environment variables holding the contact."""
        return {ENV_NAME: self.name, ENV_TITLE: self.title, ENV_EMAIL: self.email, ENV_PHONE: self.phone}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Contact:
        """``environment()``'s inverse (the function reads ``os.environ``). Raises KeyError for a missing variable."""
        return cls(environ[ENV_NAME], environ[ENV_TITLE], environ[ENV_EMAIL], environ[ENV_PHONE])


def organization_events_pattern() -> dict:
    """Organizations' events that may leave an account without the contact: an account created
    (CreateAccountResult, only once it SUCCEEDED), an account joining (AccountJoinedOrganization: an invited
    account's acceptance, logged only in the management account), an account moved between OUs (MoveAccount).
    Not InviteAccountToOrganization (the account is not a member yet, and may never accept) nor AcceptHandshake
    (CloudTrail logs it in the invited account, the caller, where no irready rule exists before it joins).
    Failed API calls carry an errorCode and are not matched
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_cloudtrail-integration.html,
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_AcceptHandshake.html,
    https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html)."""
    return {"source": ["aws.organizations"],
            "detail-type": ["AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"],
            "detail": {"eventSource": ["organizations.amazonaws.com"], "errorCode": [{"exists": False}],
                       "$or": [{"eventName": [MOVE_ACCOUNT, ACCOUNT_JOINED]},
                               {"eventName": [CREATE_ACCOUNT_RESULT],
                                "serviceEventDetails": {"createAccountStatus": {"state": ["SUCCEEDED"]}}}]}}


def member_account_arn(management_account_id: str, organization_id: str, account_id: str = "*") -> str:
    """Account Management's ``accountInOrganization`` resource: a member account named with ``AccountId``
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsaccountmanagement.html)."""
    return f"arn:aws:account::{management_account_id}:account/{organization_id}/{account_id}"


def function_permissions(region: str, security_account_id: str, management_account_id: str,
                         organization_id: str) -> dict:
    """The function's role in the security account: read and write the SECURITY alternate contact, and only
    it (``account:AlternateContactTypes``, paired with ``Null`` so a request without the key is not let
    through by ForAllValues), of this organization's member accounts (``accountInOrganization`` ARNs under
    this management account and organization) and of the security account itself (standalone context);
    list the organization's accounts (ListAccounts has no resource type:
    https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html); write its
    own log group. Never DeleteAlternateContact, another contact type, the primary contact or regions."""
    log_group = f"arn:aws:logs:{region}:{security_account_id}:log-group:/aws/lambda/{FUNCTION}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "TheSecurityContactOfTheOrganizationsAccounts", "Effect": "Allow",
         "Action": ["account:GetAlternateContact", "account:PutAlternateContact"],
         "Resource": [member_account_arn(management_account_id, organization_id),
                      f"arn:aws:account::{security_account_id}:account"],
         "Condition": {"ForAllValues:StringEquals": {"account:AlternateContactTypes": [CONTACT_TYPE]},
                       "Null": {"account:AlternateContactTypes": "false"}}},
        {"Sid": "ListTheOrganization", "Effect": "Allow", "Resource": "*",
         "Action": ["organizations:ListAccounts", "organizations:DescribeOrganization"]},
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group, f"{log_group}:*"]},
    ]}


def forwarder_permissions(bus_arn: str) -> dict:
    """The management account's role for the us-east-1 rule: PutEvents to the member-events bus, nothing else."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "TheMemberEventsBusOnly", "Effect": "Allow", "Action": "events:PutEvents", "Resource": bus_arn}]}

"""The SECURITY alternate contact on every account, so AWS's abuse and security notices reach the
security team and not only the root e-mail address.

Two components, one per mode:

- ``SecurityContacts`` (explicit mode, and the management account in both modes): one
  ``AlternativeContact`` per listed account, set from the management account. Deleting such a resource
  deletes the contact in AWS, so the member accounts' contacts are retained when they leave the stack (a
  stack switching to organization mode hands them to the function below, which keeps them).
- ``OrganizationSecurityContacts`` (organization mode): every account the Organizations API lists, present
  and future, gets the contact from a function in the security account (irready/alternate_contacts.py),
  which the program registers as the delegated administrator for Account Management; started by the
  organization's membership events and by a daily reconciliation. No stack resource per account, so two
  owners never fight over a contact
  (https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-delegated-admin.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.components.detection import forwarder_trust
from irready.infra.components.scheduled_audit import ARCHITECTURE, RUNTIME, service_trust
from irready.infra.components.signed_functions import SignedFunctions
from irready.infra.components.vpc_preparation import code_files, reconciliation_schedule
from irready.infra.stackset_templates import FORWARDER_ROLE
from irready.policies import alternate_contacts as contacts
from irready.policies import lambda_concurrency, names
from irready.policies.alternate_contacts import Contact


@dataclass(frozen=True)
class SecurityContactsArgs:
    contact: Contact
    member_account_ids: tuple[str, ...]  # set from the management account, through Organizations
    management_provider: aws.Provider  # the management account's own contact needs no account_id


def contact_inputs(contact: Contact) -> dict[str, str]:
    return {"alternate_contact_type": contacts.CONTACT_TYPE, "name": contact.name, "title": contact.title,
            "email_address": contact.email, "phone_number": contact.phone}


class SecurityContacts(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecurityContactsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:SecurityContacts", name, None, opts)
        common = contact_inputs(args.contact)
        child = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        self.contacts = [aws.account.AlternativeContact(f"{name}-management", **common, opts=child)]
        # Retained: leaving the stack (a switch to organization mode, an account unlisted) must not delete
        # the contact in AWS (the provider's delete is DeleteAlternateContact).
        member = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True))
        self.contacts += [aws.account.AlternativeContact(f"{name}-{account_id}", account_id=account_id, **common,
                                                         opts=member)
                          for account_id in args.member_account_ids]
        self.register_outputs({"email": args.contact.email, "accounts": len(self.contacts)})


MEMORY_MB, TIMEOUT_S = 128, 900  # reconciliation reads every account's contact one after the other


def existing_delegation(provider: aws.Provider) -> tuple[str, ...]:
    """The accounts registered as delegated administrators for Account Management at deploy time
    (ListDelegatedAdministrators from the management account)."""
    found = aws.organizations.get_delegated_administrators(service_principal=contacts.SERVICE_PRINCIPAL,
                                                           opts=pulumi.InvokeOptions(provider=provider))
    return tuple(admin.id for admin in found.delegated_administrators or [])


@dataclass(frozen=True)
class OrganizationSecurityContactsArgs:
    management_provider: aws.Provider
    security_provider: aws.Provider
    functions: SignedFunctions  # the code signing, key and tracing every irready function and schedule gets
    management_account_id: str
    security_account_id: pulumi.Input[str]
    organization_id: str
    region: str  # the security account's home region (where the member-events bus is)
    bus_name: pulumi.Input[str]  # the member-events bus
    bus_arn: pulumi.Input[str]
    contact: Contact
    schedule: str = contacts.RECONCILE_SCHEDULE
    log_retention_days: int = names.MIN_LOG_RETENTION_DAYS
    reserved_concurrency: int | None = lambda_concurrency.SECURITY_CONTACTS  # None: the account's unreserved pool


class OrganizationSecurityContacts(pulumi.ComponentResource):
    """The delegation, the function with its role and log group, the membership rules (management account,
    us-east-1, forwarding to the member-events bus; the bus, invoking the function) and the reconciliation
    schedule. Outputs: ``function_arn``, ``role_arn``."""

    def __init__(self, name: str, args: OrganizationSecurityContactsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:OrganizationSecurityContacts", name, None, opts)
        management = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        child = pulumi.ResourceOptions(parent=self, provider=args.security_provider)
        region, account = args.region, pulumi.Output.from_input(args.security_account_id)
        delegation = self._delegation(name, args, management)

        self.role = aws.iam.Role(f"{name}-role", name=contacts.FUNCTION_ROLE, opts=child,
                                 assume_role_policy=json.dumps(service_trust("lambda.amazonaws.com")))
        aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, name=contacts.FUNCTION, opts=child,
                           policy=account.apply(lambda a: json.dumps(contacts.function_permissions(
                               region, a, args.management_account_id, args.organization_id))))
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{contacts.FUNCTION}", region=region,
                                       retention_in_days=args.log_retention_days, opts=child)
        contact = args.contact
        code = args.functions.signed_code(name, contacts.FUNCTION, pulumi.AssetArchive(
            {path: pulumi.FileAsset(str(file)) for path, file in code_files("irready.alternate_contacts").items()}),
            child)
        self.function = args.functions.function(
            f"{name}-function", function_name=contacts.FUNCTION, role=self.role, code=code, runtime=RUNTIME,
            architectures=[ARCHITECTURE], handler=contacts.HANDLER, memory_size=MEMORY_MB, timeout=TIMEOUT_S,
            reserved_concurrent_executions=args.reserved_concurrency,
            environment={"variables": contact.environment()},
            logging_config={"log_format": "JSON", "log_group": logs.name},
            # It names member accounts only once the security account is the delegated administrator.
            opts=pulumi.ResourceOptions(parent=self, provider=args.security_provider, depends_on=[logs, delegation]))

        # Organizations' events exist only in the management account's us-east-1 default bus: forward them.
        forwarder = aws.iam.Role(f"{name}-forwarder", name=FORWARDER_ROLE, opts=management,
                                 assume_role_policy=json.dumps(forwarder_trust(args.management_account_id)))
        aws.iam.RolePolicy(f"{name}-forwarder-policy", role=forwarder.id, name="member-events-bus", opts=management,
                           policy=pulumi.Output.from_input(args.bus_arn).apply(
                               lambda bus: json.dumps(contacts.forwarder_permissions(bus))))
        pattern = contacts.organization_events_pattern()
        source = aws.cloudwatch.EventRule(f"{name}-membership-events", name=contacts.ORGANIZATION_EVENTS_RULE,
                                          region=contacts.ORGANIZATION_EVENTS_REGION, opts=management,
                                          event_pattern=json.dumps(pattern))
        aws.cloudwatch.EventTarget(f"{name}-membership-events-to-security", rule=source.name, arn=args.bus_arn,
                                   role_arn=forwarder.arn, region=contacts.ORGANIZATION_EVENTS_REGION,
                                   opts=management)
        # On the bus: only what the management account forwarded (any member's forwarder may send to it).
        rule = aws.cloudwatch.EventRule(f"{name}-membership", name=contacts.ORGANIZATION_EVENTS_RULE,
                                        event_bus_name=args.bus_name, region=region, opts=child,
                                        event_pattern=json.dumps({**pattern,
                                                                  "account": [args.management_account_id]}))
        aws.lambda_.Permission(f"{name}-from-the-bus", action="lambda:InvokeFunction", function=self.function.name,
                               principal="events.amazonaws.com", source_arn=rule.arn, region=region, opts=child)
        aws.cloudwatch.EventTarget(f"{name}-membership-to-function", rule=rule.name, event_bus_name=args.bus_name,
                                   arn=self.function.arn, region=region, opts=child,
                                   retry_policy={"maximum_retry_attempts": 8, "maximum_event_age_in_seconds": 86400})

        reconciliation_schedule(
            name, contacts.FUNCTION, self.function, account, region, args.schedule,
            "irready: the SECURITY alternate contact on every account a missed event left without it",
            pulumi.ResourceOptions(parent=self, provider=args.security_provider), args.functions)
        self.register_outputs({"function_arn": self.function.arn, "role_arn": self.role.arn})

    @staticmethod
    def _delegation(name: str, args: OrganizationSecurityContactsArgs,
                    management: pulumi.ResourceOptions) -> aws.organizations.DelegatedAdministrator:
        """The security account as the delegated administrator for Account Management: adopted (imported) when
        it already is, so the first `pulumi up` of a brownfield organization does not fail on
        AccountAlreadyRegisteredException; an organization has one, so another registered account stops the
        program with the fix (`irready preflight` says so first)."""
        existing = existing_delegation(args.management_provider) if isinstance(args.security_account_id, str) else ()
        others = [a for a in existing if a != args.security_account_id]
        if others:
            raise pulumi.RunError(
                f"{others[0]} is the delegated administrator for {contacts.SERVICE_PRINCIPAL}; the security contacts "
                f"function needs the security account there: run `aws organizations deregister-delegated-administrator "
                f"--account-id {others[0]} --service-principal {contacts.SERVICE_PRINCIPAL}` from the management "
                "account, or see `irready preflight`")
        adopted = f"{args.security_account_id}/{contacts.SERVICE_PRINCIPAL}" if existing else None
        return aws.organizations.DelegatedAdministrator(
            f"{name}-delegated-administrator", account_id=args.security_account_id,
            service_principal=contacts.SERVICE_PRINCIPAL,
            opts=pulumi.ResourceOptions.merge(management, pulumi.ResourceOptions(import_=adopted)))

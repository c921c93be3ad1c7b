"""The SECURITY alternate contact on every account, so AWS's abuse and security notices reach the
security team and not only the root e-mail address."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from irready.infra.config import Contact


@dataclass(frozen=True)
class SecurityContactsArgs:
    contact: Contact
    member_account_ids: tuple[str, ...]  # set from the management account, through Organizations
    management_provider: aws.Provider  # the management account's own contact needs no account_id


class SecurityContacts(pulumi.ComponentResource):
    def __init__(self, name: str, args: SecurityContactsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("irready:index:SecurityContacts", name, None, opts)
        contact = args.contact
        common = {"alternate_contact_type": "SECURITY", "name": contact.name, "title": contact.title,
                  "email_address": contact.email, "phone_number": contact.phone}
        child = pulumi.ResourceOptions(parent=self, provider=args.management_provider)
        self.contacts = [aws.account.AlternativeContact(f"{name}-management", **common, opts=child)]
        self.contacts += [aws.account.AlternativeContact(f"{name}-{account_id}", account_id=account_id, **common,
                                                         opts=child)
                          for account_id in args.member_account_ids]
        self.register_outputs({"email": contact.email, "accounts": len(self.contacts)})

"""Account settings: the SECURITY alternate contact AWS writes to about abuse and incidents."""

from botocore.exceptions import ClientError
from irready.audit.aws import Clients, error_code


def collect(clients: Clients, region: str) -> dict:
    client = clients.client("account", region)
    try:
        contact = client.get_alternate_contact(AlternateContactType="SECURITY")["AlternateContact"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        contact = None  # the API's way of saying none is set
    return {"security_contact": contact}

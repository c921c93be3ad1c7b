"""The concurrency irready's functions reserve in the security account, and the account limit that needs.

Reserved concurrency is taken from the account's ConcurrentExecutions quota in the region, and Lambda keeps
at least 100 of it unreserved: PutFunctionConcurrency fails when a reservation would leave less
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). A new account's quota is
often 10, so nothing can be reserved there until the quota (Service Quotas, code ``L-B99A9384``) is raised
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).

The program reserves exactly what ``reservations`` says, and `irready preflight` compares its sum with the
account's limit: one source for both. ``irready:reservedConcurrency: false`` reserves nothing (the functions
then share the account's unreserved pool; the scheduled audit's map state still bounds its width).
"""

from __future__ import annotations

from irready.policies import alternate_contacts as contacts
from irready.policies import scheduled_audit as scheduled
from irready.policies import vpc_preparation as prep

UNRESERVED_MINIMUM = 100  # what Lambda keeps unreserved in every account and region
QUOTA_CODE = "L-B99A9384"  # Service Quotas: Lambda "Concurrent executions"
CONFIG_KEY = "irready:reservedConcurrency"

VPC_PREPARATION = 5  # CreateVpc bursts and reconciliation requests: a few at a time, the rest wait
SECURITY_CONTACTS = 2  # Account Management throttles; events are retried


def scheduled_audit(function: str, max_concurrency: int) -> int:
    """The scheduled audit's reservation for ``function`` (one of scheduled_audit.FUNCTIONS): one list and one
    merge at a time, the accounts' step as wide as its map state runs it (``max_concurrency``), no wider."""
    return max_concurrency if function == scheduled.ACCOUNT_FUNCTION else 1


def reservations(organization: bool, scheduled_audit_max_concurrency: int | None, reserve: bool = True
                 ) -> dict[str, int]:
    """Function name -> the reserved concurrent executions the program sets in the security account's home
    region: the VPC preparation and security contacts functions in organization mode, the scheduled audit's
    three with ``scheduled_audit_max_concurrency`` (None: no scheduled audit). Empty with ``reserve`` False."""
    if not reserve:
        return {}
    reserved = {prep.FUNCTION: VPC_PREPARATION, contacts.FUNCTION: SECURITY_CONTACTS} if organization else {}
    if scheduled_audit_max_concurrency is not None:
        reserved.update({function: scheduled_audit(function, scheduled_audit_max_concurrency)
                         for function in scheduled.FUNCTIONS})
    return reserved


def shortfall(reserved: dict[str, int], unreserved: int, held: dict[str, int]) -> int:
    """How many concurrent executions the account lacks for ``reserved``, 0 if none: ``unreserved`` is
    GetAccountSettings' UnreservedConcurrentExecutions, ``held`` what irready's functions reserve already
    (GetFunctionConcurrency; a re-run gives it back before taking it again)."""
    if not reserved:
        return 0
    available = unreserved + sum(held.get(function, 0) for function in reserved) - UNRESERVED_MINIMUM
    return max(0, sum(reserved.values()) - available)

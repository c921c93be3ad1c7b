"""Resources shared through AWS RAM, as the participant account sees them: moto records resource shares
but does not show the shared resources in the participants' own API answers, so the harness (which runs
moto in this process) puts a participant's view into its backend, as AWS would show it.
"""

from __future__ import annotations

import copy


def share_query_log_config(owner: str, participant: str, region: str, config_id: str) -> None:
    """The Resolver query-logging configuration ``config_id`` of ``owner``, shared with ``participant``:
    listed by the participant's ListResolverQueryLogConfigs with the owner's OwnerId and ARN and
    ``ShareStatus`` SHARED_WITH_ME (the owner's own view says SHARED_BY_ME), and open to its
    AssociateResolverQueryLogConfig
    (https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_ResolverQueryLogConfig.html,
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logging-configurations-managing-sharing.html)."""
    from moto.route53resolver.models import route53resolver_backends

    owned = route53resolver_backends[owner][region].resolver_query_log_configs[config_id]
    owned.share_status = "SHARED_BY_ME"
    seen = copy.copy(owned)
    seen.share_status = "SHARED_WITH_ME"
    route53resolver_backends[participant][region].resolver_query_log_configs[config_id] = seen

"""Any stack config value gives a valid config or one clear line, never a traceback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from irready.infra.config import StackConfig, StackConfigError, load

from tests.infra.test_config import getter

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
KEYS = ["securityAccountId", "createSecurityAccount", "accounts", "securityContact", "trustedCidrs",
        "revokeSessionsBefore", "denyExceptActions", "memberRoleName", "quarantineGroupName",
        "responderExternalId", "logRetentionDays", "findingsMinSeverity", "runInstancesAllowedPrincipals",
        "trailRetentionDays", "trailObjectLock", "dataEvents", "securityHub"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), json_values, min_size=1, max_size=3))
def test_any_stack_config_is_valid_or_one_clear_line(overrides):
    try:
        config = load(getter(overrides))
    except StackConfigError as error:
        assert "\n" not in str(error) and str(error).startswith("irready:")
        return
    assert isinstance(config, StackConfig)

"""irready provisioning: the Pulumi program and its components."""

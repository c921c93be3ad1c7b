"""irready audit: collect account state, evaluate readiness checks, report the gaps."""

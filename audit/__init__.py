"""irready audit: collect account state, evaluate readiness checks, report the gaps."""
__version__ = "0.1.0"

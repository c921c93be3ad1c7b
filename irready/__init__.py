"""irready: get an AWS organization ready for a security incident before it happens.

One import package with four parts, each in its own folder of the repository:
``irready.audit`` (audit/), ``irready.infra`` (infra/), ``irready.policies`` (policies/), and
``irready.emulated`` (the embedded emulated AWS, the demo and the round trip: the only part that
imports both halves). ``irready.cli`` is the command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("irready")  # written once, in pyproject.toml
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

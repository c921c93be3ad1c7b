"""Errors that end a run with a one-line message and a documented exit code."""


class IrreadyError(Exception):
    exit_code = 2


class UsageError(IrreadyError):
    """Bad arguments, config or input files: exit 2."""
    exit_code = 2


class UnreachableError(IrreadyError):
    """The audit could not reach AWS at all: exit 3."""
    exit_code = 3

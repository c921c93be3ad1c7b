"""One ComponentResource per capability."""

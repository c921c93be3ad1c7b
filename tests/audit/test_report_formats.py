"""The report formats are named once, in policies.names.REPORT_FORMATS: the Pulumi program validates
irready:scheduledAudit.reportFormats against it without importing the audit, and audit/report/ renders each."""

from irready.audit.report import _RENDERERS, EXTENSIONS, FORMATS
from irready.policies.names import REPORT_FORMATS


def test_every_named_format_has_a_renderer_and_an_extension_and_no_other_exists():
    assert tuple(FORMATS) == REPORT_FORMATS
    assert set(_RENDERERS) == set(REPORT_FORMATS)  # a renderer added without its name would never be offered
    assert set(EXTENSIONS) == set(REPORT_FORMATS)

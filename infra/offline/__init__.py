"""Run the Pulumi program without the Pulumi CLI: under the SDK's mocks, either recording what it
declares (``record``) or creating it in the emulated AWS (``provision``)."""

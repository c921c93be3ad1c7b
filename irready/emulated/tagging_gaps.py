"""Read APIs the audit uses that moto lacks or answers unlike AWS, filled in from moto's own state.

- moto's Resource Groups Tagging API does not return ECR repositories or EKS clusters, which AWS's does
  (https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/supported-services.html): make
  moto's ECR and EKS backends take part in it, so the emulated audit reads their tags as it would from AWS.
- moto has no Athena BatchGetNamedQuery.
"""

from __future__ import annotations

from collections.abc import Iterator


def add_ecr_and_eks_to_the_tagging_api() -> None:
    """Give moto's ECR and EKS backend classes the TaggableResourcesMixin (idempotent). Call before any
    account's backend exists: moto builds backends from the class a BackendDict holds."""
    from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
    from moto.ecr.models import ECRBackend, ecr_backends
    from moto.eks.models import EKSBackend, eks_backends

    if issubclass(ecr_backends.backend, TaggableResourcesMixin):
        return

    class TaggableECR(ECRBackend, TaggableResourcesMixin):
        SERVICE_NAMESPACE = "ecr"

        def iter_tagged_resources(self) -> Iterator[TaggedResource]:
            for repo in self.repositories.values():
                tags = {t["Key"]: t["Value"] for t in self.tagger.list_tags_for_resource(repo.arn)["tags"]}
                yield TaggedResource(repo.arn, tags, "ecr:repository")

    class TaggableEKS(EKSBackend, TaggableResourcesMixin):
        SERVICE_NAMESPACE = "eks"

        def iter_tagged_resources(self) -> Iterator[TaggedResource]:
            for cluster in self.clusters.values():
                yield TaggedResource(cluster.arn, dict(cluster.tags or {}), "eks:cluster")

    # moto finds a service's URL routes from its backend class's module.
    TaggableECR.__module__, TaggableEKS.__module__ = ECRBackend.__module__, EKSBackend.__module__
    ecr_backends.backend = TaggableECR
    eks_backends.backend = TaggableEKS


def add_athena_batch_get_named_query() -> None:
    """moto lacks Athena's BatchGetNamedQuery, which the audit reads saved queries with (one request for up
    to 50, instead of one GetNamedQuery each). Answer it from moto's own named queries, in AWS's shape:
    ``NamedQueries`` and ``UnprocessedNamedQueryIds`` with an error code per id not found
    (https://docs.aws.amazon.com/athena/latest/APIReference/API_BatchGetNamedQuery.html). Idempotent."""
    import json

    from moto.athena.responses import AthenaResponse

    if hasattr(AthenaResponse, "batch_get_named_query"):
        return

    def batch_get_named_query(self) -> str:
        found, unprocessed = [], []
        for query_id in self._get_param("NamedQueryIds") or []:
            query = self.athena_backend.get_named_query(query_id)
            if query is None:
                unprocessed.append({"NamedQueryId": query_id, "ErrorCode": "INVALID_INPUT",
                                    "ErrorMessage": f"named query {query_id} not found"})
                continue
            found.append({"Name": query.name, "Description": query.description, "Database": query.database,
                          "QueryString": query.query_string, "NamedQueryId": query.id,
                          "WorkGroup": query.workgroup.name})
        return json.dumps({"NamedQueries": found, "UnprocessedNamedQueryIds": unprocessed})

    AthenaResponse.batch_get_named_query = batch_get_named_query

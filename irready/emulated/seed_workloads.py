"""Seeding for issue #19: workloads (ECS, ECR, Lambda, S3, RDS, load balancers, CloudFront) and GuardDuty
protection plans, each with or without the evidence the audit looks for, tagged with the business context
or not."""

from __future__ import annotations

import io
import zipfile

from irready.policies import names

CONTEXT = {"environment": "production", "owner": "payments-team", "data-classification": "internal"}


def _tag_list(tags: dict | None, key: str = "Key", value: str = "Value") -> list[dict]:
    return [{key: k, value: v} for k, v in (tags or {}).items()]


class WorkloadSeeding:
    """Workloads a responder investigates, each with or without the evidence the audit looks for: a mixin of
    ``Seeder`` (seed.py), whose ``client``, ``role`` and ``account_id`` it uses."""

    def ecs_task(self, region: str, *, logging: bool = True, cluster: str = "apps", service: str = "web",
                 tags: dict | None = None) -> str:
        """A Fargate service's running task (moto starts none for a service: a task of the service's group)."""
        ecs = self.client("ecs", region)
        cluster_arn = ecs.create_cluster(clusterName=cluster, tags=_tag_list(tags, "key", "value"))["cluster"][
            "clusterArn"]
        container = {"name": "app", "image": "nginx", "memory": 512}
        if logging:
            container["logConfiguration"] = {"logDriver": "awslogs", "options": {
                "awslogs-group": f"/ecs/{service}", "awslogs-region": region, "awslogs-stream-prefix": "app"}}
        definition = ecs.register_task_definition(family=service, containerDefinitions=[container])[
            "taskDefinition"]["taskDefinitionArn"]
        ecs.run_task(cluster=cluster, taskDefinition=definition, group=f"service:{service}", launchType="FARGATE",
                     networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}})
        return cluster_arn

    def ecr_repository(self, region: str, name: str = "web", *, scan_on_push: bool = True,
                       tags: dict | None = None) -> None:
        self.client("ecr", region).create_repository(
            repositoryName=name, imageScanningConfiguration={"scanOnPush": scan_on_push}, tags=_tag_list(tags))

    def registry_scan_on_push(self, region: str) -> None:
        """The registry-wide rule WorkloadEvidence would set: basic scanning of every repository on push."""
        self.client("ecr", region).put_registry_scanning_configuration(scanType="BASIC", rules=[
            {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}])

    def lambda_function(self, region: str, name: str = "thumbnails", *, publish: bool = True,
                        alias_to: str | None = None, tags: dict | None = None) -> None:
        """A function; ``publish`` keeps a version; ``alias_to`` ("version" or "$LATEST") adds alias live."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
        role = f"arn:aws:iam::{self.account_id}:role/{name}-role"
        self.role(f"{name}-role", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        client = self.client("lambda", region)
        function = client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                          Handler="handler.handler", Code={"ZipFile": buffer.getvalue()},
                                          Publish=publish, Tags=tags or {})
        if alias_to:
            version = function.get("Version", "1") if alias_to == "version" else "$LATEST"
            client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)

    def bucket(self, name: str, region: str = "us-east-1", *, access_logging: bool = False,
               tags: dict | None = None) -> None:
        s3 = self.client("s3", region)
        config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=name, **config)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tag_list(tags)})
        if access_logging:
            target = f"{name}-access-logs"
            s3.create_bucket(Bucket=target, ACL="log-delivery-write", **config)
            # The log bucket logs to itself here only so that the emulated account has no unlogged bucket.
            s3.put_bucket_logging(Bucket=target, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": target, "TargetPrefix": "self/"}})
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
                "TargetBucket": target, "TargetPrefix": f"{name}/"}})

    def database(self, region: str, name: str = "orders", *, engine: str = "postgres",
                 exports: tuple[str, ...] = ("postgresql",), tags: dict | None = None) -> None:
        self.client("rds", region).create_db_instance(
            DBInstanceIdentifier=name, Engine=engine, DBInstanceClass="db.t3.micro", AllocatedStorage=20,
            MasterUsername="admin", MasterUserPassword="not-a-real-password-1", Tags=_tag_list(tags),
            EnableCloudwatchLogsExports=list(exports))

    def load_balancer(self, region: str, name: str = "web", *, access_logs: bool = True,
                      tags: dict | None = None) -> None:
        ec2, elb = self.client("ec2", region), self.client("elbv2", region)
        # In the default VPC's subnets: a VPC of its own would lack the flow logs and groups the audit wants.
        subnets = [subnet["SubnetId"] for subnet in ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
        arn = elb.create_load_balancer(Name=name, Subnets=subnets, Type="application",
                                       **({"Tags": _tag_list(tags)} if tags else {}))["LoadBalancers"][0][
            "LoadBalancerArn"]
        if access_logs:
            self.bucket(f"{name}-{self.account_id}-elb-logs", region)
            elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
                {"Key": "access_logs.s3.enabled", "Value": "true"},
                {"Key": "access_logs.s3.bucket", "Value": f"{name}-{self.account_id}-elb-logs"}])

    def distribution(self, *, logging: bool = True, tags: dict | None = None) -> str:
        config = {"CallerReference": f"irready-{self.account_id}-{logging}", "Comment": "", "Enabled": True,
                  "Origins": {"Quantity": 1, "Items": [{"Id": "origin", "DomainName": "example.com",
                                                        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                               "OriginProtocolPolicy": "https-only"}}]},
                  "DefaultCacheBehavior": {"TargetOriginId": "origin", "ViewerProtocolPolicy": "redirect-to-https",
                                           "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                            "Cookies": {"Forward": "none"}}}}
        if logging:
            config["Logging"] = {"Enabled": True, "IncludeCookies": False,
                                 "Bucket": f"cdn-logs-{self.account_id}.s3.amazonaws.com", "Prefix": "cdn/"}
        cloudfront = self.client("cloudfront")
        if tags:
            return cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
                "DistributionConfig": config, "Tags": {"Items": _tag_list(tags)}})["Distribution"]["Id"]
        return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]

    def guardduty_plans(self, region: str, features: tuple[str, ...] = names.GUARDDUTY_REQUIRED_FEATURES) -> str:
        """A detector with ``features`` enabled (and every other plan disabled)."""
        return self.client("guardduty", region).create_detector(Enable=True, Features=[
            {"Name": name, "Status": "ENABLED" if name in features else "DISABLED"}
            for name in names.GUARDDUTY_FEATURES])["DetectorId"]

    def distribution_v2_logging(self, distribution_id: str) -> None:
        """CloudFront standard logging (v2): a CloudWatch Logs delivery of the distribution's ACCESS_LOGS to S3."""
        logs = self.client("logs", "us-east-1")
        arn = f"arn:aws:cloudfront::{self.account_id}:distribution/{distribution_id}"
        logs.put_delivery_source(name=f"cdn-{distribution_id}", resourceArn=arn, logType="ACCESS_LOGS")
        destination = logs.put_delivery_destination(
            name=f"cdn-{distribution_id}-s3", deliveryDestinationConfiguration={
                "destinationResourceArn": f"arn:aws:s3:::cdn-logs-{self.account_id}"})["deliveryDestination"]["arn"]
        logs.create_delivery(deliverySourceName=f"cdn-{distribution_id}", deliveryDestinationArn=destination)

    def tag_every_bucket(self, tags: dict) -> None:
        """The context tags on every bucket of the account (the trail's and the log buckets too)."""
        s3 = self.client("s3")
        for bucket in s3.list_buckets()["Buckets"]:
            s3.put_bucket_tagging(Bucket=bucket["Name"], Tagging={"TagSet": _tag_list(tags)})

    def workloads(self, region: str, *, prepared: bool, tags: dict | None = None) -> None:
        """One of each workload the audit looks at; ``prepared``: each with its evidence, else none has it."""
        self.ecs_task(region, logging=prepared, tags=tags)
        self.ecr_repository(region, scan_on_push=prepared, tags=tags)
        self.lambda_function(region, publish=prepared, alias_to="version" if prepared else None, tags=tags)
        self.database(region, exports=("postgresql",) if prepared else (), tags=tags)
        self.load_balancer(region, access_logs=prepared, tags=tags)
        distribution = self.distribution(logging=False, tags=tags)
        if prepared:
            self.distribution_v2_logging(distribution)

"""ecs.*: container logs shipped off the task (on Fargate there is no host to image afterwards)."""

from __future__ import annotations

from collections.abc import Iterator

from irready.audit.context import AccountContext
from irready.audit.model import Check, Result, Severity
from irready.audit.snapshot import Unavailable, require

# Log drivers that send a container's output somewhere else; json-file, journald, local and none keep it on
# the host (or nowhere), which a Fargate task does not have and an attacker on an EC2 host can wipe.
# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LogConfiguration.html
_SHIPPING_DRIVERS = {"awslogs", "awsfirelens", "splunk", "fluentd", "gelf", "syslog", "logentries", "sumologic"}


def _ships(container: dict) -> bool:
    return container.get("log_driver") in _SHIPPING_DRIVERS


def _task_logging(ctx: AccountContext) -> Iterator[Result]:
    def judge(region: str, data: dict) -> Iterator[Result]:
        definitions = data["task_definitions"]
        for cluster in data["clusters"]:
            try:
                tasks = require(cluster["tasks"], f"running tasks of ECS cluster {cluster['arn']}")
            except Unavailable as exc:
                yield Result.unknown(region, cluster["arn"], exc.reason)
                continue
            seen: set[tuple[str, str]] = set()
            for task in tasks:
                owner = task["group"] or task["task_arn"]  # "service:web" for a service's task
                if (owner, task["task_definition"]) in seen:
                    continue
                seen.add((owner, task["task_definition"]))
                resource = f"{cluster['arn'].split('/')[-1]}/{owner}"
                try:
                    containers = require(definitions.get(task["task_definition"]),
                                         f"task definition {task['task_definition']}")
                except Unavailable as exc:
                    yield Result.unknown(region, resource, exc.reason)
                    continue
                silent = [c["name"] + (f" ({c['log_driver']})" if c.get("log_driver") else " (no log configuration)")
                          for c in containers if not _ships(c)]
                if silent:
                    yield Result.failed(region, resource, f"{task['task_definition'].split('/')[-1]}: container(s) "
                                        f"{', '.join(silent)} keep their logs in the task: gone when it stops")
                else:
                    yield Result.passed(region, resource, "every container ships its logs ("
                                        + ", ".join(sorted({c['log_driver'] for c in containers})) + ")")
    return ctx.per_region("ecs", judge)


CHECKS = (
    Check(
        id="ecs.task_logging",
        categories=("logging", "forensics-ready"),
        title="Containers of running ECS tasks ship their logs",
        severity=Severity.MEDIUM,
        rationale="A Fargate task has no host a responder can image, and a stopped task takes its disk with it: "
                  "container output that was not shipped when it was written is gone.",
        remediation="Give every container definition a logConfiguration with the awslogs driver (or FireLens, "
                    "awsfirelens) and register a new task definition revision; not provisioned by infra/, which "
                    "does not own workloads.",
        references=("https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html",
                    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html"),
        evaluate=_task_logging,
    ),
)

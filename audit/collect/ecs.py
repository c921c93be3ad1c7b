"""ECS: where the containers of running tasks send their logs (on Fargate there is no host to image).

Running tasks (services' and standalone) are listed per cluster; each distinct task definition is
read once. A task's ``group`` is ``service:NAME`` for a service's task, so no per-service read is needed.
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTasks.html
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html (up to 100 tasks a call)
"""

from __future__ import annotations

from irready.audit.aws import Clients, guarded, paginate

_DESCRIBE_BATCH = 100


def collect_region(clients: Clients, region: str) -> dict:
    """``{"clusters": [{"arn", "tasks": [{"task_arn", "group", "task_definition"}] | marker}],
    "task_definitions": {arn: [{"name", "log_driver", "log_options"}] | marker}}``."""
    client = clients.client("ecs", region)
    clusters = [{"arn": arn, "tasks": guarded("ListTasks", lambda a=arn: _running_tasks(client, a))}
                for arn in paginate(client, "list_clusters", "clusterArns", page_size=100)]
    definitions = sorted({task["task_definition"] for cluster in clusters if isinstance(cluster["tasks"], list)
                          for task in cluster["tasks"]})
    return {"clusters": clusters,
            "task_definitions": {arn: guarded("DescribeTaskDefinition", lambda a=arn: _containers(client, a))
                                 for arn in definitions}}


def _running_tasks(client, cluster: str) -> list[dict]:
    arns = paginate(client, "list_tasks", "taskArns", page_size=100, cluster=cluster, desiredStatus="RUNNING")
    tasks = []
    for start in range(0, len(arns), _DESCRIBE_BATCH):
        described = client.describe_tasks(cluster=cluster, tasks=arns[start:start + _DESCRIBE_BATCH])["tasks"]
        tasks += [{"task_arn": task["taskArn"], "group": task.get("group", ""),
                   "task_definition": task["taskDefinitionArn"]} for task in described]
    return tasks


def _containers(client, arn: str) -> list[dict]:
    definition = client.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return [{"name": container["name"],
             "log_driver": (container.get("logConfiguration") or {}).get("logDriver"),
             "log_options": (container.get("logConfiguration") or {}).get("options") or {}}
            for container in definition.get("containerDefinitions", [])]

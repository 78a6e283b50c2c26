"""Service shortcuts for ``idc console --service``: a short name -> the console's path for it.

The names and paths are granted's ``ServiceMap`` (pkg/console/service_map.go), which aws-sso-cli users
know too; an unknown name is taken as a path as-is (``--service cloudshell`` -> ``/cloudshell/home``).
"""

from __future__ import annotations

import re

SERVICE_PATHS: dict[str, str] = {
    "acm": "acm",
    "apigateway": "apigateway",
    "athena": "athena",
    "ce": "cost-management",
    "cfn": "cloudformation",
    "cloudformation": "cloudformation",
    "cloudfront": "cloudfront/v3",
    "cloudtrail": "cloudtrail",
    "cloudwatch": "cloudwatch",
    "codebuild": "codesuite/codebuild",
    "codepipeline": "codesuite/codepipeline",
    "ct": "cloudtrail",
    "cw": "cloudwatch",
    "ddb": "dynamodbv2",
    "dynamodb": "dynamodbv2",
    "ec2": "ec2/v2",
    "ecr": "ecr",
    "ecs": "ecs/v2",
    "eks": "eks",
    "elasticache": "elasticache",
    "eventbridge": "events",
    "ga": "globalaccelerator",
    "globalaccelerator": "globalaccelerator",
    "iam": "iamv2",
    "kms": "kms",
    "l": "lambda",
    "lambda": "lambda",
    "logs": "cloudwatch",
    "orgs": "organizations/v2",
    "organizations": "organizations/v2",
    "param": "systems-manager/parameters",
    "r53": "route53/v2",
    "rds": "rds",
    "route53": "route53/v2",
    "s3": "s3",
    "scrm": "secretsmanager",
    "secretsmanager": "secretsmanager",
    "sfn": "states",
    "sm": "secretsmanager",
    "sns": "sns/v3",
    "sqs": "sqs/v3",
    "sso": "singlesignon",
    "ssm": "systems-manager",
    "stepfn": "states",
    "trustedadvisor": "trustedadvisor",
    "vpc": "vpc",
    "waf": "wafv2",
    "wafv2": "wafv2/homev2",
}

GLOBAL_PATHS = frozenset({"globalaccelerator", "trustedadvisor"})
"""Consoles that take no ``?region=`` (granted's globalServiceMap, as its code applies it)."""

_PATH = re.compile(r"^[a-z0-9][a-z0-9/_-]*$")


def service_path(name: str) -> str:
    """The console path for a shortcut or a plain service path; ValueError for anything else."""
    key = name.strip().lower()
    if key in SERVICE_PATHS:
        return SERVICE_PATHS[key]
    if not _PATH.match(key):
        raise ValueError(name)
    return key.strip("/")

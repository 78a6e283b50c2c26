"""``idc console``: the AWS Management Console, signed in as a profile's role.

:mod:`.partitions` (federation endpoints and console hosts), :mod:`.shortcuts` (``--service`` names),
:mod:`.signin_url` (the federation protocol, building the one-time sign-in URL).
"""

from idc.console.partitions import PARTITIONS, Partition, partition_of
from idc.console.shortcuts import SERVICE_PATHS, service_path
from idc.console.signin_url import ConsoleTarget, console_signin_url, destination_url, federation_endpoint

__all__ = [
    "PARTITIONS",
    "SERVICE_PATHS",
    "ConsoleTarget",
    "Partition",
    "console_signin_url",
    "destination_url",
    "federation_endpoint",
    "partition_of",
    "service_path",
]

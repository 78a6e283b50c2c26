"""HTTPS for the local Identity Center: a throwaway certificate authority and a server certificate.

``idc emulator --tls`` plays a corporate TLS-inspecting proxy's part: its certificates are signed by a
CA nobody trusts until told to (``AWS_CA_BUNDLE``, ``--ca-bundle``, ``ca_bundle``). The CA is made
fresh on every start (trustme, over ``cryptography``) and lives only in ``directory``: ``ca.pem`` (the
file to trust), ``server.pem`` and ``server-key.pem`` (0600).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Names a client may use for a server on loopback; vanity host names are added to them.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """PEM files of one throwaway CA and the server certificate it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def create_tls_files(directory: Path, names: tuple[str, ...] = ()) -> TlsFiles:
    """A new CA and a certificate for the loopback names plus ``names``, written into ``directory``."""
    import trustme

    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="idc local Identity Center")
    server = ca.issue_cert(*dict.fromkeys((*LOOPBACK_NAMES, *names)))
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    ca.cert_pem.write_to_path(str(files.ca_file))
    with open(files.cert_file, "wb") as chain:
        for blob in server.cert_chain_pems:
            chain.write(blob.bytes())
    descriptor = os.open(files.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as key:
        key.write(server.private_key_pem.bytes())
    return files

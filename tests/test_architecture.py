"""The import arrows of ARCHITECTURE.md, checked on every module of ``src/idc``.

Every ``import`` and ``from ... import`` is read with :mod:`ast`, including those inside functions and
under ``TYPE_CHECKING`` (a lazy import is still a dependency). An arrow not in :data:`ALLOWED` fails the
test, naming the file, the line and the import.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: The library: everything below the command line.
LIBRARY = {
    "errors",
    "debug_log",
    "storage",
    "config",
    "aws",
    "signin",
    "credentials",
    "accounts",
    "configure",
    "console",
}

#: Which parts of idc each part may import (its own modules are always allowed). Top to bottom.
ALLOWED: dict[str, set[str]] = {
    "__main__": {"entry"},
    "entry": {"cli", "credentials"},
    "cli": (LIBRARY | {"demo"}) - {"cli"},
    "demo": LIBRARY | {"emulator"},
    "configure": {"accounts", "signin", "aws", "config", "storage", "errors", "debug_log"},
    "accounts": {"signin", "aws", "config", "storage", "errors", "debug_log"},
    "credentials": {"signin", "aws", "config", "storage", "errors", "debug_log"},
    "console": {"signin", "aws", "storage", "errors", "debug_log"},
    "signin": {"aws", "config", "storage", "errors", "debug_log"},
    "aws": {"storage", "errors", "debug_log"},
    "config": {"storage", "errors"},
    "storage": {"errors"},
    "errors": set(),
    "debug_log": set(),
    "emulator": {"errors"},
    # the pytest test kit: drives the emulator over HTTP; nothing of idc imports it
    "testing": {"emulator", "errors"},
    "__init__": set(),
}

#: Third-party packages only some parts may import.
RESTRICTED = {"click": {"cli", "emulator.cli", "emulator.control_cli"}, "keyring": {"storage.keychain"}}
#: Parts that import the standard library only (besides the idc parts ALLOWED names).
STDLIB_ONLY = {"storage", "errors", "debug_log", "__main__", "entry"}
#: Modules (and their submodules) of a part that must not import another module of the same part.
INNER: dict[str, set[str]] = {
    # The services, one subpackage each, see the engine through idc.emulator.center.Center; the engine
    # imports them, never the other way. The same for the admin side (the engine owns its AdminStore),
    # the IAM policy evaluator and the SigV4 verifier they share.
    **{
        f"idc.emulator.{part}": {"idc.emulator.engine"}
        for part in ("oidc", "portal", "sts", "federation", "admin", "iam", "center", "sigv4")
    },
    # Several Regions (emulator/regions/) build on one instance's engine, app and server; never back.
    "idc.emulator.engine": {"idc.emulator.regions"},
    "idc.emulator.app": {"idc.emulator.regions"},
    "idc.emulator.server": {"idc.emulator.regions"},
    "idc.emulator.web": {"idc.emulator.regions"},
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the imported module, dotted


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> Iterator[Import]:
    """Every import in ``source`` (at any depth), relative ones resolved against ``module``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
                # ``from . import x`` imports the module ``package.x``.
                if not node.module:
                    for alias in node.names:
                        yield Import(module, node.lineno, f"{base}.{alias.name}")
                    continue
            yield Import(module, node.lineno, base)


def part_of(module: str) -> str:
    """``idc.signin.login`` -> ``signin``; ``idc.errors`` -> ``errors``; ``idc`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def violations(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        source = part_of(imp.module)
        top = imp.target.split(".")[0]
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        if top == "idc":
            target = part_of(imp.target)
            if target != source and target not in ALLOWED.get(source, set()):
                found.append(f"{where}: {source} -> {target} is not an arrow of ARCHITECTURE.md")
            inner = (
                f
                for key, fs in INNER.items()
                if imp.module == key or imp.module.startswith(key + ".")
                for f in fs
            )
            for forbidden in inner:
                if imp.target == forbidden or imp.target.startswith(forbidden + "."):
                    found.append(f"{where}: {imp.module} must not import {forbidden}")
            continue
        inside = imp.module.split(".", 1)[1] if "." in imp.module else ""
        allowed = RESTRICTED.get(top)
        if allowed is not None and not any(inside == a or inside.startswith(a + ".") for a in allowed):
            found.append(f"{where}: only {', '.join(sorted(allowed))} may import {top}")
        stdlib = top in sys.stdlib_module_names or top == "__future__"
        if source in STDLIB_ONLY and not stdlib and allowed is None:  # a RESTRICTED one is checked above
            found.append(f"{where}: {source} imports the standard library only")
    return found


def all_imports(src: Path) -> list[Import]:
    found = []
    for path in sorted((src / "idc").rglob("*.py")):
        module = module_name(path, src)
        found.extend(imports_of(path.read_text(), module, path.name == "__init__.py"))
    return found


def test_every_part_is_named_in_the_arrows() -> None:
    parts = {part_of(module_name(p, SRC)) for p in (SRC / "idc").rglob("*.py")}
    assert parts - set(ALLOWED) == set(), "a new part of idc: add its arrows to ALLOWED and ARCHITECTURE.md"


def test_no_import_crosses_a_forbidden_arrow() -> None:
    imports = all_imports(SRC)
    assert len(imports) > 200  # the walk found the code (including imports inside functions)
    assert violations(imports) == []


def _checked(path: str, source: str, tmp_path: Path) -> list[str]:
    """The violations found in a tree that holds only this one module."""
    file = tmp_path / "src" / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(source)
    return violations(all_imports(tmp_path / "src"))


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        pytest.param(
            "idc/storage/fileio.py",
            "def f():\n    from idc.signin import login\n",
            "storage -> signin",
            id="storage-lazy-import-of-signin",
        ),
        pytest.param(
            "idc/demo/story.py",
            "from idc.cli.whoami import whoami\n",
            "demo -> cli",
            id="demo-reaches-into-cli",
        ),
        pytest.param(
            "idc/emulator/portal/service.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from idc.emulator.engine import X\n",
            "must not import idc.emulator.engine",
            id="service-imports-the-engine",
        ),
        pytest.param(
            "idc/emulator/sts/service.py",
            "from ..engine import IdentityCenter\n",
            "must not import idc.emulator.engine",
            id="service-imports-the-engine-relatively",
        ),
        pytest.param("idc/accounts/listing.py", "import click\n", "may import click", id="click-outside-cli"),
        pytest.param(
            "idc/storage/locking.py",
            "import botocore\n",
            "standard library only",
            id="storage-imports-botocore",
        ),
        pytest.param(
            "idc/storage/region_outages.py",
            "def f():\n    from idc.aws.outage import is_region_outage\n",
            "storage -> aws",
            id="outage-memory-reaches-up-to-aws",
        ),
        pytest.param(
            "idc/aws/outage.py",
            "from idc.signin.regions import with_failover\n",
            "aws -> signin",
            id="outage-kinds-reach-up-to-the-failover",
        ),
        pytest.param(
            "idc/config/session_regions.py",
            "from idc.signin.regions import regions_of\n",
            "config -> signin",
            id="session-regions-reach-up-to-signin",
        ),
    ],
)
def test_a_crossing_is_reported(path: str, source: str, expected: str, tmp_path: Path) -> None:
    found = _checked(path, source, tmp_path)
    assert len(found) == 1 and expected in found[0], found
    assert path.replace("/", ".").removesuffix(".py") in found[0]


def test_an_allowed_arrow_is_not_reported(tmp_path: Path) -> None:
    assert _checked("idc/configure/wizard.py", "from idc.accounts import portal\nimport re\n", tmp_path) == []


#: ARCHITECTURE.md: "Modules stay small (a few hundred lines, none over ~500 unless one thing is long and
#: its docstring says so)". A longer module must say why in its docstring, with the words "long because".
MAX_MODULE_LINES = 500


def too_long(src: Path) -> list[str]:
    """The modules over :data:`MAX_MODULE_LINES` lines whose docstring does not say why they are long."""
    found = []
    for path in sorted((src / "idc").rglob("*.py")):
        source = path.read_text()
        lines = len(source.splitlines())
        if lines <= MAX_MODULE_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if "long because" not in " ".join(docstring.split()):
            found.append(f"{module_name(path, src)}: {lines} lines; split it, or say why in its docstring")
    return found


def test_no_module_is_long_without_saying_why() -> None:
    assert too_long(SRC) == []


@pytest.mark.parametrize(
    ("docstring", "reported"),
    [
        pytest.param("Many things.", True, id="long-and-silent"),
        pytest.param("One table of vectors.\n\nIt is long because the\nvectors are.", False, id="says-why"),
    ],
)
def test_a_long_module_must_say_why(docstring: str, reported: bool, tmp_path: Path) -> None:
    file = tmp_path / "src" / "idc" / "storage" / "vectors.py"
    file.parent.mkdir(parents=True)
    file.write_text(f'"""{docstring}"""\n' + "x = 1\n" * MAX_MODULE_LINES)
    assert bool(too_long(tmp_path / "src")) == reported
    (file.parent / "short.py").write_text('"""Short."""\n' + "x = 1\n" * (MAX_MODULE_LINES - 1))
    assert bool(too_long(tmp_path / "src")) == reported  # a module of exactly 500 lines is fine

"""The import rules between packages (docs/architecture.md), checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "kit",
    "inventory",
    "ingest",
    "interchange",
    "access",
    "api",
    "simulators",
    "coldchain",
]

# package -> project packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "kit": {"inventory", "ingest", "interchange", "access", "api", "simulators", "coldchain"},
    "inventory": {"ingest", "interchange", "access", "api", "simulators", "coldchain"},
    "ingest": {"inventory", "interchange", "access", "api", "simulators", "coldchain"},
    "interchange": {"ingest", "access", "api", "simulators", "coldchain"},
    # access reaches the facility tree through its ports (access/ports.py), never the ledger
    "access": {"inventory", "ingest", "interchange", "api", "simulators", "coldchain"},
    "api": {"simulators", "coldchain"},
    "simulators": {"inventory", "interchange", "access", "api", "coldchain"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_package_exists_with_a_docstring() -> None:
    for package in PACKAGES:
        init = ROOT / package / "__init__.py"
        assert init.exists(), f"{package}/ is missing"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{package} has no docstring"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_the_architecture_allows(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imported_packages(path) & FORBIDDEN[package]
    ]
    assert violations == []


def test_simulators_use_only_the_wire_format_of_ingest() -> None:
    for path in (ROOT / "simulators").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("ingest")
            ):
                assert node.module == "ingest.wire", f"{path} imports {node.module}"


def test_every_module_starts_with_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "versions" not in path.parts
        and path.stat().st_size > 0
        and not ast.get_docstring(ast.parse(path.read_text()))
    ]
    assert missing == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""x"""\nfrom api.app import create_app\nimport ingest.wire\n')
    assert imported_packages(bad) == {"api", "ingest"}


def test_the_kit_is_the_only_home_of_the_shared_pieces() -> None:
    """One unit of work, one UTC column type, one naming convention: the kit's."""
    redefined = [
        f"{path.relative_to(ROOT)} defines {node.name}"
        for package in PACKAGES
        if package != "kit"
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if (
            isinstance(node, ast.ClassDef)
            and (
                node.name.lower() == "utcdatetime"
                or any(
                    isinstance(base, ast.Name) and base.id == "TypeDecorator" for base in node.bases
                )
            )
        )
        or (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "NAMING_CONVENTION" for t in node.targets)
        )
        or (
            isinstance(node, ast.FunctionDef)
            and node.name in {"__enter__", "__exit__"}
            and "unit_of_work" in path.name
        )
    ]
    assert redefined == []


# The composition root holds wiring and adapters that translate types, no SQL: only these
# modules of ``coldchain`` (and ``migrations/``) import SQLAlchemy; the others name its
# types and errors through ``coldchain.db``. No exception is waiting.
COLDCHAIN_SQL_HOMES = {"coldchain/db.py", "coldchain/metadata.py"}


def test_only_the_database_modules_of_coldchain_import_sqlalchemy() -> None:
    found = {
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "coldchain").rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT / "coldchain").parts
        and "sqlalchemy" in imported_packages(path)
    }
    assert found - COLDCHAIN_SQL_HOMES == set()

"""Shared fixtures: real spec files and plans in tmp paths.

Tests that need LibreOffice ask for the ``soffice`` fixture: it skips with a
reason on a machine without it, and fails instead when
``BACKPLAN_REQUIRE_SOFFICE=1`` (CI sets it), so CI can never pass by
skipping the round trips.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from backplan_xlsx.model import Plan
from backplan_xlsx.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


@pytest.fixture
def sales_spec(tmp_path: Path) -> Path:
    """A copy of the sales template in a tmp folder."""
    dest = tmp_path / "plan.yaml"
    shutil.copyfile(TEMPLATES / "sales.yaml", dest)
    return dest


@pytest.fixture
def sales_plan(sales_spec: Path) -> Plan:
    """The sales template, loaded and planned."""
    return load_spec(sales_spec)


@pytest.fixture(scope="session")
def soffice() -> str:
    """The LibreOffice binary; skip (or fail in CI) without it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    reason = (
        "LibreOffice (soffice) is not installed: "
        "apt-get install -y libreoffice-calc-nogui to run the round-trip tests"
    )
    if os.environ.get("BACKPLAN_REQUIRE_SOFFICE") == "1":
        pytest.fail(reason + " (BACKPLAN_REQUIRE_SOFFICE=1: these tests must run here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def gnumeric() -> str:
    """Gnumeric's ssconvert, the second recalculating engine; skip (or fail in CI) without it."""
    found = shutil.which("ssconvert")
    if found:
        return found
    reason = (
        "Gnumeric (ssconvert) is not installed: "
        "apt-get install -y gnumeric to recalculate the workbooks in a second engine"
    )
    if os.environ.get("BACKPLAN_REQUIRE_GNUMERIC") == "1":
        pytest.fail(reason + " (BACKPLAN_REQUIRE_GNUMERIC=1: these tests must run here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A throwaway PostgreSQL server's URL; skip (or fail in CI) without PostgreSQL."""
    from tests.pg import pg_bin, postgres_server

    if pg_bin() is None:
        reason = (
            "PostgreSQL is not installed: apt-get install -y postgresql to run the "
            "shared-history tests"
        )
        if os.environ.get("BACKPLAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (BACKPLAN_REQUIRE_POSTGRES=1: these tests must run here)")
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """A fresh, empty database on the test server, one per test."""
    import uuid

    import sqlalchemy

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return postgres_server_url.rsplit("/", 1)[0] + f"/{name}"

"""sync/ is a pure library: it imports nothing of Flask, of the server, or of the database layer."""

import ast
from pathlib import Path

import pytest

SYNC = Path(__file__).parents[2] / "sync"
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_migrate", "sqlalchemy", "werkzeug", "server", "tests")


def imported_modules(path):
    """Every module a source file imports, at any depth (inside functions too)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "__import__",
            "import_module",
        ):
            yield from (arg.value for arg in node.args[:1] if isinstance(arg, ast.Constant))


def sources():
    files = sorted(SYNC.glob("*.py"))
    assert files, "no sources under sync/"
    return files


@pytest.mark.parametrize("path", sources(), ids=lambda path: path.name)
def test_sync_imports_nothing_of_the_server(path):
    bad = [name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN]
    assert bad == [], f"{path.name} imports {bad}"


def test_the_scan_sees_every_kind_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import flask\nfrom server.models import X\nimport a.b as c\n"
        "def f():\n    from sqlalchemy import text\n    __import__('werkzeug')\nfrom . import hlc\n"
    )
    assert list(imported_modules(sample)) == ["flask", "server.models", "a.b", "sqlalchemy", "werkzeug"]

"""The import rules of docs/ARCHITECTURE.md, read from the sources with `ast`.

sync/ is a pure library: it imports nothing of Flask, of the server, or of the database layer.
Each package of server/ imports only itself and the packages below it, and no module of server/
imports itself by way of others.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SYNC = ROOT / "sync"
SERVER = ROOT / "server"
FORBIDDEN = (
    "flask",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_jwt_extended",
    "flask_smorest",
    "marshmallow",
    "sqlalchemy",
    "werkzeug",
    "server",
    "tests",
)
# What each package of server/ (and each root module named) may import of server/: itself and
# what lies below it. `server` alone is the app factory, which no package imports.
MAY_IMPORT = {
    "web": {"web"},
    "engine": {"engine", "web", "extensions"},
    "api": {"api", "engine", "web", "extensions"},
    "workspace": {"workspace", "engine", "web", "extensions"},
    "hub": {"hub", "engine", "web", "extensions"},
    "cli": {"cli", "api", "workspace", "hub", "engine", "web", "extensions"},
    "extensions": {"web"},
    "config": set(),
    "secrets_file": {"config"},
}
WEB_OR_SQL = {"flask", "flask_jwt_extended", "flask_smorest", "marshmallow", "sqlalchemy", "werkzeug"}


def import_statements(path, package=None):
    """(module, names) of every import in a source file, at any depth (inside functions too).

    `import a.b` gives ("a.b", ()), `from a import b, c` gives ("a", ("b", "c")). A relative
    import is resolved against `package`; without one it is left out (sync/ imports itself so)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level == 0:
                yield node.module, names
            elif package is not None:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else [])), names
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
            "__import__",
            "import_module",
        ):
            yield from ((arg.value, ()) for arg in node.args[:1] if isinstance(arg, ast.Constant))


def imported_modules(path, package=None):
    """Every module a source file imports, at any depth (inside functions too)."""
    return [module for module, _ in import_statements(path, package)]


def server_modules(folder=SERVER):
    """{dotted name: path} of every module and package of server/, its migrations apart."""
    modules = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder.parent).with_suffix("").parts
        if "migrations" not in parts:
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def package_of(name, path):
    """The package a module's relative imports start from."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def layer_of(name):
    """The package of server/ a module belongs to (`api`, `engine`...), or the root module's name."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def server_imports(name, path, modules):
    """The modules of server/ that a module imports: `from .web import errors` is server.web.errors."""
    found = set()
    for module, names in import_statements(path, package_of(name, path)):
        if module == "server" or module.startswith("server."):
            found.update(f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names or [None])
    return found - {name}


def violations(name, path, modules):
    """What a module of server/ imports against the rules, sorted."""
    allowed = MAY_IMPORT.get(layer_of(name))
    if allowed is None:  # the app factory and the blueprint list bring everything together
        return []
    return sorted(m for m in server_imports(name, path, modules) if layer_of(m) not in allowed)


def in_circles(graph):
    """The modules that import themselves by way of others, sorted."""

    def reached(start):
        seen, todo = set(), list(graph.get(start, ()))
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return seen

    return sorted(name for name in graph if name in reached(name))


MODULES = server_modules()
GRAPH = {name: server_imports(name, path, MODULES) for name, path in MODULES.items()}


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


def test_every_package_of_the_server_has_a_rule():
    layers = {layer_of(name) for name in MODULES}
    assert {"web", "engine", "api", "workspace", "cli"} <= layers
    assert layers - set(MAY_IMPORT) == {"server", "blueprints"}


@pytest.mark.parametrize("name", sorted(MODULES), ids=str)
def test_each_package_imports_only_itself_and_the_packages_below_it(name):
    assert violations(name, MODULES[name], MODULES) == []


def test_no_module_of_the_server_imports_itself_by_way_of_others():
    assert in_circles(GRAPH) == []


@pytest.mark.parametrize("rules", ["server.workspace.consolidation.rules", "server.engine.scope.rules"])
def test_the_rules_modules_need_neither_flask_nor_sql(rules):
    reached = {rules}
    todo = [rules]
    while todo:
        for module in GRAPH[todo.pop()] - reached:
            reached.add(module)
            todo.append(module)
    libraries = {
        m.split(".")[0] for name in reached for m in imported_modules(MODULES[name], package_of(name, MODULES[name]))
    }
    assert libraries & WEB_OR_SQL == set(), sorted(reached)


def region_ranges(path):
    """The lines where a source file bounds a region's codes from above (`code + "/"`), as SQL does."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Add)
        and isinstance(node.right, ast.Constant)
        and node.right.value == "/"
    ]


def test_only_the_scope_package_builds_region_filters():
    """Rows are restricted to regions by server/engine/scope/ (in_regions, regions_sql...), nowhere else."""
    outside = {name: path for name, path in MODULES.items() if not name.startswith("server.engine.scope")}
    assert {name: region_ranges(path) for name, path in outside.items() if region_ranges(path)} == {}


# What SQL as text looks like: a textual statement, SQL handed to the driver, a driver cursor,
# or a string (plain or formatted) given to execute.
SQL_AS_TEXT = {"text", "exec_driver_sql", "cursor", "executescript"}


def sql_as_text(path):
    """The lines where a source file runs SQL written as text instead of a Core statement."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and _runs_text(node))


def _runs_text(call):
    name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
    if name in SQL_AS_TEXT:
        return True
    first = call.args[0] if call.args else None
    return name in ("execute", "executemany") and isinstance(first, (ast.Constant, ast.JoinedStr))


def lines_of_function(path, name):
    """The line numbers of a module-level function's body."""
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return set(range(node.lineno, node.end_lineno + 1))
    return set()


def test_the_engine_speaks_to_the_database_in_core_statements_only():
    """One query style: server/engine/ builds SQLAlchemy Core statements, never SQL text. Two places
    reach the driver: store.run_many, which hands it the SQL SQLAlchemy compiled from a Core statement
    (executemany of thousands of rows), and checkpoint.py, which asks SQLite for a WAL checkpoint on
    a connection of its own."""
    engine = {name: path for name, path in MODULES.items() if name.startswith("server.engine")}
    found = {name: sql_as_text(path) for name, path in engine.items() if name != "server.engine.checkpoint"}
    compiled_once = lines_of_function(MODULES["server.engine.store"], "run_many")
    found["server.engine.store"] = [line for line in found["server.engine.store"] if line not in compiled_once]
    assert compiled_once and {name: lines for name, lines in found.items() if lines} == {}


def test_the_rules_catch_what_breaks_them(tmp_path):
    """A module importing across the rules, a sync module importing marshmallow, a circle and a region
    filter outside scope are all found."""
    server = tmp_path / "server"
    (server / "engine").mkdir(parents=True)
    (server / "api").mkdir()
    for folder in (server, server / "engine", server / "api"):
        (folder / "__init__.py").write_text("")
    (server / "api" / "auth.py").write_text("from ..engine import feed\n")
    (server / "engine" / "feed.py").write_text(
        "from .models import Product\n\n\ndef f():\n"
        "    from ..api.auth import blp\n"  # engine importing api
        "    from server import create_app\n"  # anything importing the app factory
    )
    (server / "engine" / "models.py").write_text("from ..extensions import db\nfrom . import feed\n")
    (server / "api" / "users.py").write_text('def f(column, code):\n    return column < code + "/"\n')
    (server / "engine" / "store.py").write_text(
        'def f(db, text, c):\n    db.session.execute(text("SELECT 1"))\n    c.execute(f"SELECT {c}")\n'
    )
    modules = server_modules(server)
    assert violations("server.engine.feed", modules["server.engine.feed"], modules) == ["server", "server.api.auth"]
    assert violations("server.api.auth", modules["server.api.auth"], modules) == []
    graph = {name: server_imports(name, path, modules) for name, path in modules.items()}
    assert in_circles(graph) == ["server.api.auth", "server.engine.feed", "server.engine.models"]
    assert region_ranges(server / "api" / "users.py") == [2]
    assert sql_as_text(server / "engine" / "store.py") == [2, 3]

    sync_module = tmp_path / "merge.py"
    sync_module.write_text("from marshmallow import fields\n")
    assert [n for n in imported_modules(sync_module) if n.split(".")[0] in FORBIDDEN] == ["marshmallow"]

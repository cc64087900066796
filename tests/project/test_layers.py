"""The layering rules of docs/architecture.md, one test each, read from the code's imports.

The layer table is parsed from the document itself, so the document and the code cannot
drift apart: a package missing from the table, or one importing above its layer, fails here.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "newsstand"
DOC = ROOT / "docs" / "architecture.md"

PURE = ("catalog", "stories", "accounts", "markup", "extract", "personal")
IO_LIBRARIES = (
    "sqlalchemy", "alembic", "psycopg", "httpx", "httpcore", "anyio", "starlette", "jinja2",
    "uvicorn", "click", "rich", "smtplib", "socket", "urllib.request", "subprocess",
)  # fmt: skip
SEAMS = {
    ("sqlalchemy", "alembic", "psycopg"): ("store",),
    ("httpx", "httpcore", "anyio"): ("net",),
    ("starlette",): ("web", "api"),
    ("jinja2",): ("web", "api", "mail"),
    ("click", "rich"): ("cli",),
    ("smtplib",): ("mail",),
    ("stripe",): ("payments",),
    ("msgspec",): ("api", "store"),  # the API's answers; the store's story profiles (fast JSON)
    ("dramatiq", "pika"): ("worker",),
    ("redis",): ("sharedstate",),
}
FRONT_ENDS = ("web", "cli", "api", "worker")


def package_of(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return "__init__" if parts == ("__init__",) else parts[0]


@cache
def imports() -> dict[str, set[tuple[str, str]]]:
    """Each package's imports as (imported module, importing file), Newsstand's and others'."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue  # Alembic's own scripts: they are the store's, and run by it
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                found[package_of(path)].add((name, str(path.relative_to(SRC))))
    return found


def internal_edges() -> dict[str, dict[str, list[str]]]:
    """package -> imported Newsstand package -> the files that import it."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for package, found in imports().items():
        for module, file in found:
            if module == "newsstand" or module.startswith("newsstand."):
                target = module.split(".")[1] if "." in module else "__init__"
                if target != package:
                    edges[package][target].append(file)
    return edges


def documented_layers() -> dict[str, int]:
    """The layer of every package, from the table in docs/architecture.md."""
    layers: dict[str, int] = {}
    for number, packages in re.findall(r"^\| (\d+) \| ([^|]+) \|", DOC.read_text(encoding="utf-8"), re.M):
        for name in re.findall(r"`([a-z_]+)`", packages):
            layers[name] = int(number)
    return layers


def test_every_package_is_in_the_layer_table() -> None:
    layers = documented_layers()
    packages = {package_of(p) for p in SRC.rglob("*.py")} - {"__init__"}
    assert packages - set(layers) == set(), "add these packages to the layer table"
    assert set(layers) - packages == set(), "the layer table names packages that do not exist"


def find_cycle(edges: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """A cycle of packages in the import graph, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in edges.get(node, {}):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if state.get(target) is None and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for package in list(edges):
        if package not in state and (cycle := visit(package)):
            return cycle
    return None


def test_no_import_cycles_between_packages() -> None:
    cycle = find_cycle(internal_edges())
    assert cycle is None, f"import cycle: {' -> '.join(cycle or [])}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"ingest": {"extract": ["x.py"]}, "extract": {"ingest": ["y.py"]}}) == [
        "ingest",
        "extract",
        "ingest",
    ]
    assert find_cycle({"web": {"app": ["x.py"]}, "app": {"store": ["y.py"]}}) is None


def test_packages_import_only_lower_layers() -> None:
    layers = documented_layers()
    wrong = []
    for package, targets in internal_edges().items():
        if package == "__init__":
            wrong += [f"__init__ -> {t}" for t in targets if layers[t] > 2]
            continue
        for target, files in targets.items():
            if target != "__init__" and layers[target] >= layers[package]:
                wrong.append(
                    f"{package} (layer {layers[package]}) -> {target} (layer {layers[target]}): {files}"
                )
    assert not wrong, "\n".join(wrong)


def test_storage_depends_only_on_the_domain_model() -> None:
    targets = set(internal_edges()["store"])
    assert targets <= {"errors", "config", "model"}, targets


def test_decisions_are_pure() -> None:
    wrong = [
        f"{package}: {file} imports {module}"
        for package in PURE
        for module, file in imports()[package]
        if module.split(".")[0] in IO_LIBRARIES or module in IO_LIBRARIES
    ]
    assert not wrong, "\n".join(wrong)


def test_each_outside_library_has_one_seam() -> None:
    wrong = []
    for libraries, owners in SEAMS.items():
        for package, found in imports().items():
            if package in owners:
                continue
            wrong += [f"{file} imports {m}" for m, file in found if m.split(".")[0] in libraries]
    assert not wrong, "\n".join(wrong)


def test_front_ends_reach_storage_only_through_the_application_core() -> None:
    wrong = [
        f"{package}: {files}"
        for package in FRONT_ENDS
        for target, files in internal_edges().get(package, {}).items()
        if target == "store"
    ]
    assert not wrong, "\n".join(wrong)

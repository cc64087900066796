"""How to write the JSON API's OpenAPI document and encode its answers: three candidates.

    python bench/apidoc.py [--items 50] [--repeat 200]

Each candidate does both jobs for the API's real answer types (``newsstand.api.v1.views``):
the JSON Schema of every type (the document's components) and the encoding of answers (a page of
``--items`` article summaries, and one article in full). Candidates:

* msgspec: ``msgspec.json.schema_components`` and ``msgspec.json.encode`` on the dataclasses;
* pydantic: ``TypeAdapter(...).json_schema`` and ``dump_json`` on the same dataclasses;
* stdlib: a schema written by walking the type hints ourselves, and ``json.dumps`` of the
  values turned into dicts by a recursive walk (``dataclasses.asdict`` deep-copies and is slower).

Prints: the time to import the library (a fresh interpreter, minus one that imports nothing),
to make every schema, to encode each answer, and the library's installed size. The baseline is
the stdlib candidate, measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import importlib.metadata
import json
import subprocess
import sys
import time
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsstand.api.v1 import OPERATIONS
from newsstand.api.v1 import views as v
from newsstand.model import AccessReason, Image

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TYPES = sorted(
    {op.answer for op in OPERATIONS if op.answer is not None} | {v.ErrorBody}, key=lambda t: t.__name__
)


def summary(i: int) -> v.ArticleSummary:
    image = v.image(Image("https://img.example/lead.jpg", "A caption", "Photograph: Desk", "", 1200, 675))
    return v.ArticleSummary(
        i, "harbour-post", "article", f"Headline {i} about the harbour", "A standfirst of a sentence or two.",
        ("Ada Quill", "Ben Oar"), "World", ("World", "Europe"), "en", NOW - timedelta(minutes=i), None,
        f"https://harbour.example/{i}", f"/article/{i}", None, image,
    )  # fmt: skip


def detail() -> v.ArticleDetail:
    body = "".join(
        f"<p>Paragraph {p} of the article, with <a href='https://x.example'>a link</a>.</p>"
        for p in range(12)
    )
    return v.ArticleDetail(
        summary(1), v.AccessView(True, AccessReason.MEMBER, 0), body, (), ("harbour",), True,
        tuple(summary(i) for i in range(2, 8)), tuple(summary(i) for i in range(8, 13)), None,
    )  # fmt: skip


# --- the stdlib candidate ------------------------------------------------------------------------


def hint_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema of a type hint, dataclasses into ``defs`` (the minimum the API's types need)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return hint_schema(args[0], defs)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [hint_schema(a, defs) for a in args]}
    if origin in (tuple, list):
        return {"type": "array", "items": hint_schema(args[0], defs)}
    if origin is dict:
        return {"type": "object"}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if tp is type(None):
        return {"type": "null"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if dataclasses.is_dataclass(tp):
        if tp.__name__ not in defs:
            defs[tp.__name__] = {}
            hints = typing.get_type_hints(tp, include_extras=True)
            fields = dataclasses.fields(tp)
            defs[tp.__name__] = {
                "type": "object",
                "properties": {f.name: hint_schema(hints[f.name], defs) for f in fields},
                "required": [f.name for f in fields],
            }
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    return {"type": simple[tp]}


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(x) for x in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def stdlib_schemas() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for tp in TYPES:
        hint_schema(tp, defs)
    return defs


def stdlib_encode(value: Any) -> bytes:
    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False).encode()


# --- the library candidates ------------------------------------------------------------------------


def msgspec_schemas() -> dict[str, Any]:
    import msgspec

    return msgspec.json.schema_components(TYPES, ref_template="#/components/schemas/{name}")[1]


def msgspec_encode(value: Any) -> bytes:
    import msgspec

    return msgspec.json.encode(value)


def pydantic_schemas() -> dict[str, Any]:
    from pydantic import TypeAdapter

    found: dict[str, Any] = {}
    for tp in TYPES:
        found.update(
            TypeAdapter(tp).json_schema(ref_template="#/components/schemas/{model}").get("$defs", {})
        )
    return found


_ADAPTERS: dict[type, Any] = {}


def pydantic_encode(value: Any) -> bytes:
    from pydantic import TypeAdapter

    adapter = _ADAPTERS.get(type(value))
    if adapter is None:
        adapter = _ADAPTERS[type(value)] = TypeAdapter(type(value))
    return bytes(adapter.dump_json(value))


# --- measuring ---------------------------------------------------------------------------------------


def best(fn: Callable[[], object], repeat: int) -> float:
    """Best of five rounds of ``repeat`` calls, in microseconds a call."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        rounds.append((time.perf_counter() - start) / repeat * 1e6)
    return min(rounds)


def import_ms(module: str) -> float:
    def run(code: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - start)
        return min(times) * 1000

    return run(f"import {module}") - run("pass") if module else 0.0


def installed_kib(*distributions: str) -> float:
    total = 0
    for name in distributions:
        for file in importlib.metadata.files(name) or ():
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    page = v.ArticleList(tuple(summary(i) for i in range(args.items)), "cursor")
    one = detail()
    candidates = {
        "stdlib": (stdlib_schemas, stdlib_encode, "", ()),
        "msgspec": (msgspec_schemas, msgspec_encode, "msgspec", ("msgspec",)),
        "pydantic": (pydantic_schemas, pydantic_encode, "pydantic", ("pydantic", "pydantic-core")),
    }
    rows = []
    for name, (schemas, encode, module, dists) in candidates.items():
        assert json.loads(encode(page))["items"][0]["published"].startswith("2026-11-20T12:00:00")
        page_us = best(lambda e=encode: e(page), args.repeat)
        one_us = best(lambda e=encode: e(one), args.repeat)
        schema_ms = best(schemas, 5) / 1000
        rows.append(
            (name, import_ms(module), schema_ms, page_us, one_us, installed_kib(*dists), len(schemas()))
        )
    base = rows[0]
    print(f"{len(TYPES)} answer types; a page of {args.items} summaries; one article in full\n")
    heads = ("import ms", "schemas ms", "page µs", "x", "article µs", "x", "KiB", "schemas")
    print(f"{'':10}" + "".join(f"{h:>11}" for h in heads))
    for name, imp, sch, pg, art, kib, count in rows:
        cells = (f"{imp:.1f}", f"{sch:.2f}", f"{pg:.1f}", f"{base[3] / pg:.1f}", f"{art:.1f}",
                 f"{base[4] / art:.1f}", f"{kib:.0f}", str(count))  # fmt: skip
        print(f"{name:10}" + "".join(f"{c:>11}" for c in cells))


if __name__ == "__main__":
    main()

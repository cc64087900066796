"""The newsstand command's exit status reaches the shell."""

from __future__ import annotations

import click

from newsstand.cli._common import run_cli


def _group(code: int) -> click.Group:
    @click.group()
    def g() -> None:
        pass

    @g.command()
    @click.pass_context
    def fail(ctx: click.Context) -> None:
        ctx.exit(code)

    return g


def test_ctx_exit_code_is_returned(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.argv", ["newsstand", "fail"])
    assert run_cli(_group(1)) == 1
    assert run_cli(_group(0)) == 0

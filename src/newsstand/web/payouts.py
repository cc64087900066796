"""Operators' payout statement: what each publisher is paid for a month, in the admin with a
chart, and as CSV (the whole month, or one publisher's line for that publisher)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.payouts import PayoutStatement, payouts_csv
from newsstand.web.admin import month_param
from newsstand.web.charts import bar_chart
from newsstand.web.context import call, render, web
from newsstand.web.sessions import require_admin


def _chart(result: PayoutStatement) -> object:
    bars = [(row.publisher_name, row.amount.amount, str(row.amount)) for row in result.rows]
    return bar_chart(bars, label=f"Payouts for {result.month}")


async def payouts_page(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    month = month_param(request, ctx.clock())
    result = await call(ctx.services.membership.payout_statement, month)
    values = {"s": result, "chart": _chart(result), "month": month, "tab": "payouts"}
    return render(request, "admin_payouts.html", values)


async def payouts_csv_file(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    month = month_param(request, ctx.clock())
    publisher = request.query_params.get("publisher") or None
    result = await call(ctx.services.membership.payout_statement, month)
    name = f"newsstand-payouts-{month}{'-' + publisher if publisher else ''}.csv"
    safe_name = "".join(c for c in name if c.isalnum() or c in "-_.")
    return Response(
        payouts_csv(result, publisher),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"', "Cache-Control": "no-store"},
    )


routes: list[BaseRoute] = [
    Route("/admin/payouts", payouts_page, name="admin_payouts"),
    Route("/admin/payouts.csv", payouts_csv_file, name="admin_payouts_csv"),
]

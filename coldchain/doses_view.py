"""The daily doses report as text, for ``coldchain doses``: each facility's own day, and for
every facility with sites below it the roll-up of its subtree."""

from __future__ import annotations

from coldchain.report_text import facility_sections
from inventory.queries import DailyDosesReport, DoseLine, ProductDay


def render_daily_doses(report: DailyDosesReport) -> str:
    root = report.facilities[0]
    out = [f"Daily doses, {report.day} (each facility's local day): {root.code} and below"]
    if report.flagged:
        out.append(f"⚠ reconciliation off at: {', '.join(report.flagged)}")
    out += facility_sections(report.facilities, _product)
    if len(out) == 1:
        out.append("(no stock, doses or targets on that day)")
    return "\n".join(out) + "\n"


def _product(day: ProductDay, indent: str) -> list[str]:
    r = day.reconciliation
    line = (
        f"{indent}{day.product_code}: opening {r.opening} + received {r.received}"
        f" − issued {r.issued} − given {r.administered} − wasted {r.wasted}"
        f" = closing {r.closing}"
    )
    if r.flagged:
        found = "missing" if r.difference > 0 else "found"
        line += f"  ⚠ {abs(r.difference)} doses {found} by a count"
    return [line, *(f"{indent}  {_dose(d)}" for d in day.doses)]


def _dose(d: DoseLine) -> str:
    name = "dose ?" if d.dose_number is None else f"dose {d.dose_number}"
    text = f"{name}: {d.administered} given"
    if d.daily_target is not None:
        text += f" of {d.daily_target} targeted"
        if d.percent_of_target is not None:
            text += f" ({d.percent_of_target:.1f} %)"
    text += f"; {d.cumulative} to date"
    if d.target_population is not None:
        text += f" of {d.target_population} people"
        if d.coverage_percent is not None:
            text += f" ({d.coverage_percent:.1f} % coverage)"
    return text

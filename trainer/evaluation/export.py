"""The evaluation as CSV (people) and XLSX (people and departments), with the raw
numbers behind every score, written by trainer.spreadsheets (which makes text safe)."""
from __future__ import annotations

from decimal import Decimal


from trainer import spreadsheets
from trainer.evaluation import explain, scoring
from trainer.evaluation.services import DepartmentRow, Evaluation, PersonRow


def _month_columns(evaluation: Evaluation) -> list[str]:
    columns = []
    for month in evaluation.months:
        key = month.first_day.strftime("%Y_%m")
        columns += [f"due_{key}", f"on_time_{key}"]
    return columns


COMPONENT_COLUMNS = ["inspections_due", "inspections_on_time", "inspections_on_time_score",
                     "reports_accepted", "quality_score_sum", "quality_score",
                     "signals_raised", "signals_judged", "signals_confirmed", "warning_signals_score",
                     "ledger_points", "ledger_score", "weights_applied", "total", "band"]


def _number(value: Decimal | None):
    return "" if value is None else value


def _weights(result: scoring.Result) -> str:
    return " ".join(f"{comp.code}:{float(comp.weight):g}" for comp in result.counted)


def _components(raw: scoring.Raw, result: scoring.Result, ledger_points) -> list:
    c = result.components
    weights = _weights(result)
    return [raw.due, raw.on_time, _number(c[scoring.ON_TIME].shown),
            raw.reports_scored, raw.quality_sum, _number(c[scoring.QUALITY].shown),
            raw.signals_raised, raw.signals_judged, raw.signals_confirmed, _number(c[scoring.SIGNALS].shown),
            ledger_points, _number(c[scoring.LEDGER].shown), weights,
            _number(result.total_shown), result.band.name if result.band else ""]


def _months(raw: scoring.Raw) -> list[int]:
    return [n for month in raw.months for n in (month.due, month.on_time)]


def people_header(evaluation: Evaluation) -> list[str]:
    return (["quarter", "employee_no", "full_name", "department_code", "department_name"]
            + _month_columns(evaluation) + COMPONENT_COLUMNS
            + ["qualification", "qualification_state", "qualification_on", "qualified", "severe_sanction",
               "promotion_score_ok", "promotion_qualification_ok", "promotion_no_severe_sanction_ok",
               "promotion_eligible", "promotion_reasons"])


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def person_row(row: PersonRow, evaluation: Evaluation, reasons: explain.Reasons) -> list:
    checks = {check.code: check.ok for check in row.promotion.checks}
    why = "; ".join(reasons.text(check, row) for check in row.promotion.failed)
    return ([evaluation.quarter.code, row.employee_no, row.full_name,
             row.department_code, row.department_name]
            + _months(row.raw) + _components(row.raw, row.result, row.raw.ledger_points)
            + [evaluation.qualification.code if evaluation.qualification else "", row.qualification_state or "",
               evaluation.qualification_day.isoformat(), _yes(row.qualified), _yes(row.severe_sanction),
               _yes(checks.get(scoring.SCORE_CHECK)), _yes(checks.get(scoring.QUALIFICATION_CHECK)),
               _yes(checks.get(scoring.SANCTION_CHECK)), _yes(row.promotion.eligible), why])


def departments_header(evaluation: Evaluation) -> list[str]:
    return (["quarter", "department_code", "department_name", "people"] + _month_columns(evaluation)
            + ["ledger_points_total"] + COMPONENT_COLUMNS[:10] + ["ledger_points_mean"] + COMPONENT_COLUMNS[11:])


def department_row(row: DepartmentRow, evaluation: Evaluation) -> list:
    components = _components(row.raw, row.result, scoring.one_decimal(row.raw.ledger_mean))
    return ([evaluation.quarter.code, row.code, row.name, row.raw.people]
            + _months(row.raw) + [row.raw.ledger_points] + components)


def to_csv(evaluation: Evaluation) -> bytes:
    """People, one row each."""
    reasons = explain.Reasons(evaluation)
    return spreadsheets.csv_bytes(people_header(evaluation),
                                  (person_row(row, evaluation, reasons) for row in evaluation.people))


def to_xlsx(evaluation: Evaluation) -> bytes:
    reasons = explain.Reasons(evaluation)
    return spreadsheets.xlsx_bytes([
        ("People", people_header(evaluation), (person_row(r, evaluation, reasons) for r in evaluation.people)),
        ("Departments", departments_header(evaluation), (department_row(r, evaluation) for r in evaluation.departments)),
    ])

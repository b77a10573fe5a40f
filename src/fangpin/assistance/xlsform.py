"""The follow-up visit form as an XLSForm, for offline collection with ODK Collect or KoboCollect.

Field names are the registry's income component names, so an imported submission needs no mapping table;
`imports.py` reads the CSV that ODK Central or KoboToolbox export for this form.
"""

from io import BytesIO

from openpyxl import Workbook

FORM_ID = "fangpin_visit"
FORM_VERSION = "2026112501"  # bump when the survey changes, so Central keeps the two versions apart
GROUP = "visit"

# The amounts of the month, in the registry's names (registry/models.py IncomeRecord); English, Chinese label.
AMOUNTS: list[tuple[str, str, str]] = [
    ("wage_income", "Wage income this month (yuan)", "本月工资性收入（元）"),
    ("business_income", "Production and business income this month (yuan)", "本月生产经营性收入（元）"),
    ("property_income", "Property income this month (yuan)", "本月财产性收入（元）"),
    ("transfer_income", "Transfer income this month (yuan)", "本月转移性收入（元）"),
    ("production_cost", "Production costs this month (yuan)", "本月生产经营性支出（元）"),
    ("medical_self_paid", "Compliant medical self-payment this month (yuan)", "本月合规自付医疗费用（元）"),
    ("schooling_self_paid", "Schooling self-payment this month (yuan)", "本月自付教育费用（元）"),
    ("claims_income", "Insurance claims this month (yuan)", "本月理赔收入（元）"),
]

_COLUMNS = ["type", "name", "label::English (en)", "label::中文 (zh)", "hint::English (en)", "hint::中文 (zh)",
            "required", "constraint", "constraint_message::English (en)", "constraint_message::中文 (zh)",
            "relevant", "appearance"]  # fmt: skip
_INCOME = "${income_update} = 'yes'"
_MEASURE_IDS = "regex(., '^[0-9 ]*$')"
_IDS_HINT = (
    "The measure numbers on the plan page, separated by spaces",
    "帮扶计划页上的措施编号，多个用空格分隔",
)
_IDS_MESSAGE = ("Numbers and spaces only", "只填数字和空格")


def _q(kind: str, name: str, label: tuple[str, str] = ("", ""), hint: tuple[str, str] = ("", ""),
       required: str = "", constraint: str = "", message: tuple[str, str] = ("", ""), relevant: str = "",
       appearance: str = "") -> list[str]:  # fmt: skip
    return [kind, name, *label, *hint, required, constraint, *message, relevant, appearance]


def _survey() -> list[list[str]]:
    rows = [
        _q("begin_group", GROUP, ("Follow-up visit", "跟踪回访"), appearance="field-list"),
        _q("text", "household_number", ("Household number", "户编号"),
           ("As shown on the plan page", "以帮扶计划页上的户编号为准"), required="yes"),
        _q("date", "visit_date", ("Visit date", "回访日期"), required="yes", constraint=". <= today()",
           message=("The visit date cannot be after today", "回访日期不能晚于今天")),
        _q("text", "findings", ("Findings", "回访情况"),
           ("Changes in the family, difficulties, how the measures are going", "家庭变化、困难、帮扶落实情况"),
           appearance="multiline"),
        _q("select_one yes_no", "income_update", ("Record this month's income?", "是否登记本月收入"), required="yes"),
    ]  # fmt: skip
    for name, en, zh in AMOUNTS:
        rows.append(
            _q("decimal", name, (en, zh), constraint=". >= 0",
               message=("An amount cannot be negative", "金额不能为负数"), relevant=_INCOME)
        )  # fmt: skip
    failed = "${failed_measures} != ''"
    rows += [
        _q("text", "delivered_measures", ("Measures delivered", "已落实的措施编号"), _IDS_HINT,
           constraint=_MEASURE_IDS, message=_IDS_MESSAGE),
        _q("text", "failed_measures", ("Measures that failed", "未落实的措施编号"), _IDS_HINT,
           constraint=_MEASURE_IDS, message=_IDS_MESSAGE),
        _q("text", "failure_note", ("Why they failed", "未落实原因"), required=failed, relevant=failed),
        _q("geopoint", "gps", ("Location", "位置")),
        _q("end_group", GROUP),
    ]  # fmt: skip
    return rows


def visit_xlsform() -> bytes:
    """The visit form as an .xlsx with survey, choices and settings sheets (pyxform accepts it)."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(_COLUMNS)
    for row in _survey():
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::中文 (zh)"])
    choices.append(["yes_no", "yes", "Yes", "是"])
    choices.append(["yes_no", "no", "No", "否"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["防返贫监测 跟踪回访", FORM_ID, FORM_VERSION, "中文 (zh)"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()

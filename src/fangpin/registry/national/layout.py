"""The two sheets of the national monitoring system's Excel export (全国防返贫监测信息系统), as plain data.

This is OUR READING of the national layout (DESIGN.md §5); adjust it when the county's real export differs.
Each sheet has a title on row 1, notes on row 2 and its header on row 3. （自定义）监测对象信息 has one row per
MEMBER, carrying the household's monitoring and income fields on every row of the household (as the national
export does); （乡村建设）户信息 has one row per HOUSEHOLD. They join on 户编号 within 县/乡/村 (division names).

What a column is: its Chinese header, the field it holds (a model field, or a name `export.py` computes and
`importer.py` takes apart, such as `risk_1` or `income_month`), whether the value belongs to the household or
the member, how the value is written (kind) and, for a code list, the label in the file of each stored value.
A derived column (`is_derived`) is written for the reader and ignored on import: it is computed from others.

Decisions a real export may overturn, each one a line to change here:

- Every household of the county is written, monitored or not; the monitoring fields of a household that was
  never monitored are blank. The national system itself holds formerly poor and monitored households only.
- Status is two columns: 风险是否已消除 (是 = eliminated, 否 = monitored, blank = never monitored) and
  户状态 (正常, or 已迁出 for a household that left the county).
- Income is the household's last 12 recorded months (one record per month, the survey before a feed before an
  estimate, as everywhere else), summed; 收入统计截止年月 (our addition) names the last of those months. An
  import spreads each annual figure evenly over those 12 months as `survey` records (the odd fen on the last
  month), so summing them gives the figure back exactly and monthly screening sees a plausible panel.
- 识别监测时间 and 消除监测时间 are months (YYYYMM): an import stores the first day of the month.
- Sex and birth date are not columns: they come from 证件号码, as when a member is added by hand.
- A household without members has no row on the member sheet, so its monitoring and income fields are not
  written (the national system has no such households).

Left out, because the registry has no field for them yet: assistance measures (帮扶措施, no model yet); the
income and 三保障 fields frozen at identification and after elimination (the registry keeps a monthly panel,
not snapshots — the cases app will hold those); 大病保险, 养老保险, 低保, 特困, 易地扶贫搬迁, 务工地点,
公益岗位 and its months; 证件类型, 民族, 政治面貌; the sheet （务工月监测）已外出务工信息. Columns of a
file that are not listed here are ignored on import and named in the import summary.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from django.db.models import TextChoices

from fangpin.registry.codes import (
    MAX_RISKS,
    Education,
    EliminationMethod,
    Health,
    HousingGrade,
    LabourSkill,
    MedicalInsurance,
    MonitoringStatus,
    Relation,
    SchoolStatus,
)

HEADER_ROW = 3  # 1-based: a title on row 1, notes on row 2
FIRST_DATA_ROW = HEADER_ROW + 1


class Kind(StrEnum):
    TEXT = "text"
    ID_NUMBER = "id_number"
    CODE = "code"  # one of `codes`' labels
    CATEGORY = "category"  # a monitoring category's Chinese name (a configuration table, not a code list)
    YES_NO = "yes_no"
    MONTH = "month"  # YYYYMM
    INTEGER = "integer"
    MONEY = "money"  # yuan, two decimals


class Level(StrEnum):
    HOUSEHOLD = "household"
    MEMBER = "member"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    level: Level
    kind: Kind = Kind.TEXT
    codes: Mapping[str, str] = dataclasses.field(default_factory=dict)  # stored value → label in the file
    is_required: bool = False  # a blank cell is a row error
    max_length: int | None = None
    bounds: tuple[int, int] | None = None  # for INTEGER
    default: object = None  # stored when the cell is blank and the column is optional
    is_derived: bool = False  # written for the reader, ignored on import
    width: int = 12

    def label_of(self, value: str) -> str:
        return self.codes.get(value, value)

    def value_of(self, label: str) -> str | None:
        """The stored value for a label in the file (a stored value itself is accepted too), or None."""
        return self._values.get(label)

    @cached_property
    def _values(self) -> dict[str, str]:
        return {
            **{value: value for value in self.codes},
            **{label: value for value, label in self.codes.items()},
        }


@dataclass(frozen=True)
class SheetLayout:
    name: str
    title: str
    notes: str
    columns: tuple[Column, ...]

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)


def _same(choices: type[TextChoices]) -> dict[str, str]:
    """Code lists whose stored values are the national labels themselves (codes.py)."""
    return {str(value): str(value) for value in choices.values}


YES, NO = "是", "否"  # a YES_NO column holds one of these, or nothing

# 致贫/返贫风险: the national risk codes (codes.RiskType) and the label a cadre reads in the file.
RISK_LABELS = {
    "01": "因病",
    "02": "因自然灾害",
    "0201": "因自然灾害（洪涝）",
    "0202": "因自然灾害（地质灾害）",
    "0203": "因自然灾害（干旱）",
    "0204": "因自然灾害（生物灾害）",
    "0205": "因自然灾害（气象灾害）",
    "0206": "因自然灾害（地震）",
    "0299": "因自然灾害（其他）",
    "03": "因残",
    "04": "因缺劳动力",
    "05": "因意外事故",
    "06": "因产业（项目）失败",
    "07": "因务工就业不稳",
    "09": "因学",
    "99": "其他",
}
RISK_FIELDS = tuple(f"risk_{i}" for i in range(1, MAX_RISKS + 1))

# 户状态: whether the household is still in the county. Together with 风险是否已消除 it gives the status.
HOUSEHOLD_STATE_LABELS = {"present": "正常", "left": "已迁出"}

# The income components of one IncomeRecord, in the file's order, and the derived totals.
INCOME_FIELDS = (
    "wage_income",
    "business_income",
    "property_income",
    "transfer_income",
    "production_cost",
    "claims_income",
    "medical_self_paid",
    "schooling_self_paid",
)

H, M = Level.HOUSEHOLD, Level.MEMBER

# The join keys every row carries: division names and the household number.
_KEYS = (
    Column("县", "county_name", H, is_required=True, width=10),
    Column("乡", "township_name", H, is_required=True, width=10),
    Column("村", "village_name", H, is_required=True, width=10),
    Column("户编号", "number", H, is_required=True, max_length=32, width=20),
)

MEMBER_SHEET = SheetLayout(
    name="（自定义）监测对象信息",
    title="全国防返贫监测信息系统 （自定义）监测对象信息",
    notes=(
        "每行一名家庭成员；户级字段（监测对象类别至收入）在同一户的各行相同。证件号码为完整号码，仅供县级授权人员"
        "使用。收入为收入统计截止年月及之前共12个月的合计（元）。"
    ),
    columns=(
        *_KEYS,
        Column("姓名", "name", M, is_required=True, max_length=40, width=10),
        Column("证件号码", "id_number", M, Kind.ID_NUMBER, is_required=True, width=21),
        Column("与户主关系", "relation", M, Kind.CODE, _same(Relation), is_required=True),
        Column("是否常住", "is_resident", M, Kind.YES_NO, default=True, width=9),
        Column("文化程度", "education", M, Kind.CODE, _same(Education), default=""),
        Column("在校生状况", "school_status", M, Kind.CODE, _same(SchoolStatus), default=""),
        Column("健康状况", "health", M, Kind.CODE, _same(Health), is_required=True),
        Column("残疾等级", "disability_grade", M, Kind.INTEGER, bounds=(1, 4), width=9),
        Column("劳动技能", "labour_skill", M, Kind.CODE, _same(LabourSkill), is_required=True, width=16),
        Column("务工时长(月)", "months_employed", M, Kind.INTEGER, bounds=(0, 12), default=0),
        Column("医保", "medical_insurance", M, Kind.CODE, _same(MedicalInsurance), is_required=True),
        Column("监测对象类别", "category", H, Kind.CATEGORY, width=14),
        Column("识别监测时间", "identified_on", H, Kind.MONTH),
        *(
            Column(f"致贫/返贫风险{i}", name, H, Kind.CODE, RISK_LABELS, width=14)
            for i, name in enumerate(RISK_FIELDS, start=1)
        ),
        Column("整户无劳动能力兜底保障户", "is_without_labour", H, Kind.YES_NO, is_derived=True),
        Column("风险是否已消除", "is_risk_eliminated", H, Kind.YES_NO),
        Column("风险消除方式", "elimination_method", H, Kind.CODE, _same(EliminationMethod), default=""),
        Column("消除监测时间", "eliminated_on", H, Kind.MONTH),
        Column("收入统计截止年月", "income_month", H, Kind.MONTH, width=14),
        Column("家庭年纯收入", "net_income", H, Kind.MONEY, is_derived=True),
        Column("人均纯收入", "income_per_person", H, Kind.MONEY, is_derived=True),
        Column("工资性收入", "wage_income", H, Kind.MONEY),
        Column("生产经营性收入", "business_income", H, Kind.MONEY),
        Column("财产性收入", "property_income", H, Kind.MONEY),
        Column("转移性收入", "transfer_income", H, Kind.MONEY),
        Column("生产经营性支出", "production_cost", H, Kind.MONEY),
        Column("理赔收入", "claims_income", H, Kind.MONEY),
        Column("合规自付医疗支出", "medical_self_paid", H, Kind.MONEY, width=14),
        Column("教育自付支出", "schooling_self_paid", H, Kind.MONEY),
    ),
)

HOUSEHOLD_SHEET = SheetLayout(
    name="（乡村建设）户信息",
    title="全国防返贫监测信息系统 （乡村建设）户信息",
    notes="每行一户。户主证件号码为完整号码，仅供县级授权人员使用。",
    columns=(
        *_KEYS,
        Column("户主姓名", "head_name", H, is_derived=True, width=10),
        Column("户主证件号码", "head_id_number", H, Kind.ID_NUMBER, is_derived=True, width=21),
        Column("家庭人口数", "residents", H, Kind.INTEGER, is_derived=True),
        Column("家庭住址", "address", H, max_length=200, default="", width=30),
        Column("是否脱贫户", "is_formerly_poor", H, Kind.YES_NO, default=False),
        Column("脱贫年度", "poverty_exit_year", H, Kind.INTEGER, bounds=(2014, 2020), width=9),
        Column("户状态", "household_state", H, Kind.CODE, HOUSEHOLD_STATE_LABELS, default="present"),
        Column("住房安全等级", "housing_grade", H, Kind.CODE, _same(HousingGrade), default=""),
        Column("是否解决安全饮水", "has_safe_water", H, Kind.YES_NO, width=14),
    ),
)

SHEETS = (MEMBER_SHEET, HOUSEHOLD_SHEET)
KEY_FIELDS = tuple(c.field for c in _KEYS)


def status_columns(status: str) -> tuple[bool | None, str]:
    """(风险是否已消除, 户状态) for a monitoring status."""
    if status == MonitoringStatus.LEFT:
        return None, "left"
    eliminated = {MonitoringStatus.ELIMINATED: True, MonitoringStatus.MONITORED: False}.get(
        MonitoringStatus(status)
    )
    return eliminated, "present"


def status_of(is_risk_eliminated: bool | None, household_state: str) -> str | None:
    """The monitoring status for (风险是否已消除, 户状态); None when the two contradict each other."""
    if household_state == "left":
        return MonitoringStatus.LEFT if is_risk_eliminated is None else None
    if is_risk_eliminated is None:
        return MonitoringStatus.NORMAL
    return MonitoringStatus.ELIMINATED if is_risk_eliminated else MonitoringStatus.MONITORED

"""The department files a simulated county's shocks would produce (DESIGN.md §7): one file per feed schema, in each
department's usual format and encoding, with the defects real county files carry, written chunk by chunk.

Rows come from the generator's ground truth (members, shocks, monthly medical spending, insurance claims); each file
covers the panel's months and is named after its last month (`health_202610.csv`), so a "late" row is one dated in
the month before the panel. Same parameters, same bytes. The order within: layouts and constants, the chunk as the
departments see it (`_View`), one builder per department, the defects, then the CSV and XLSX writing.
"""

import datetime as dt
import logging
import re
import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from fangpin.feeds.schema import ColumnDef, ColumnType, FeedSchemaDef, default_schemas
from fangpin.registry.codes import (
    Health,
    LabourSkill,
    MedicalInsurance,
    MonitoringStatus,
    Relation,
    SchoolStatus,
)
from fangpin.registry.id_numbers import check_character
from fangpin.simulation import names
from fangpin.simulation.generate import SHOCK_TYPES, CountyChunk, SimulationParams, build_divisions
from fangpin.simulation.generate.arrays import _date32, _labels
from fangpin.simulation.generate.panel import _MEDICAL_SPREAD

log = logging.getLogger(__name__)

# --- Defects: shares of a file's rows, as data officers describe the files they receive ---------------------------
MISTYPED_DIGIT_RATE = 0.005  # one digit of the ID number typed wrong, so the check character no longer fits
EXCEL_NUMBER_RATE = 0.003  # CSV only: the ID went through Excel as a number and reads 4.50123E+17
LOST_X_RATE = 0.002  # the final X dropped by a number field; only IDs ending in X (≈ 1 in 11) can lose it
FULL_WIDTH_RATE = 0.002  # typed in a Chinese input method's full-width mode: ４５０１…
SPACED_ID_RATE = 0.003  # spaces inside the number, as it is read out from the card: 450123 19900101 123X
MISSING_ID_RATE = 0.002  # the ID cell left empty
OUTSIDER_RATE = 0.002  # someone from another province: a valid ID number that matches nobody in the county
NAME_VARIANT_RATE = 0.002  # the name one character off the registry's (伟 → 炜): for fuzzy matching
DUPLICATE_RATE = 0.005  # a row exported twice (the copy follows the original)
LATE_RATE = 0.01  # an event dated in the month before the file's first month: reported late
FORMULA_CELLS = 2  # cells starting with "=" (formula injection), in the one file whose layout allows them
# Shares of date cells written 2026-10-03, 2026/10/3 and 20261003 in the files with mixed date formats.
MIXED_DATE_SHARES = (0.6, 0.25, 0.15)

# Region codes of counties in other provinces, for the outsiders' ID numbers.
_OUTSIDE_REGIONS = ("510722", "522601", "430521", "360721", "440882", "530321", "350583", "420683")
# Look-alike and sound-alike characters clerks swap in given names.
_NAME_SWAPS = dict(
    zip(
        "伟丽芳敏静燕玲军勇杰华平红英梅兰明林峰磊涛斌辉超波宇浩俊文建国志海东荣福强霞秀琴云凤珍月花雪婷慧",
        "炜莉方民晶艳琳君永洁桦萍宏瑛媚岚铭琳锋雷韬彬晖朝博雨皓峻雯剑帼智凯冬蓉富蔷侠绣芹芸风真玥华学亭惠",
        strict=True,
    )
)
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@dataclass(frozen=True)
class _Layout:
    """How one department writes its file."""

    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8"  # CSV: "gb18030", "utf-8-sig" (with a BOM) or "utf-8"
    title: str = ""  # a title row above the header; {county} and {period} are filled in
    total_row: bool = False  # a 合计 row at the bottom with the sums of the amount columns
    headers: Mapping[str, str] = field(default_factory=dict)  # column → the alias this department writes
    spellings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # column → code → spelling
    dates: str = "iso"  # "iso", or "mixed" (MIXED_DATE_SHARES)
    amounts: str = "plain"  # "plain" (1234.50), "thousands" (1,234.50) or "yuan" (1234.50元)
    formulas: bool = False


LAYOUTS: Mapping[str, _Layout] = {
    "health": _Layout(
        "csv",
        "gb18030",
        title="{county}{period}住院结算明细",
        total_row=True,
        headers={
            "id_number": "参保人身份证号",
            "name": "参保人姓名",
            "hospital": "定点医疗机构",
            "diagnosis": "出院诊断",
            "total_cost": "医疗总费用（元）",
            "reimbursed": "基金支付金额",
            "out_of_pocket": "个人自付费用",
            "insurance_type": "险种类型",
        },
        spellings={"insurance_type": {"城乡居民": "居民医保", "职工": "职工医保"}},
    ),
    "education_dropout": _Layout("xlsx"),
    "education_aid": _Layout("xlsx"),
    "civil_affairs": _Layout(
        "csv",
        "utf-8-sig",
        headers={
            "id_number": "保障对象身份证号",
            "name": "保障对象姓名",
            "village_name": "所在村",
            "assistance_type": "保障类型",
            "amount": "救助金额（元）",
            "start_date": "审批日期",
        },
        spellings={"assistance_type": {"低保": "农村低保", "特困": "特困供养"}},
        amounts="yuan",
    ),
    "public_security": _Layout(
        "csv",
        "gb18030",
        headers={"id_number": "公民身份号码", "event_type": "变动原因", "police_station": "登记单位"},
        spellings={"event_type": {"死亡": "死亡注销", "迁出": "户口迁出", "出生": "出生登记"}},
        dates="mixed",
    ),
    "disability": _Layout(
        "xlsx",
        spellings={
            "disability_type": {
                t: f"{t}残疾" for t in ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
            },
            "disability_grade": {"1": "一级", "2": "二级", "3": "三级", "4": "四级"},
        },
    ),
    "human_resources": _Layout(
        "csv",
        "utf-8",
        headers={
            "id_number": "身份证号码",
            "event_type": "登记类型",
            "amount": "金额（元）",
            "event_date": "办理日期",
        },
        spellings={
            "event_type": {"失业": "失业登记", "就业": "就业登记", "欠薪": "拖欠工资", "公益岗": "公益性岗位"}
        },
        dates="mixed",
        formulas=True,
    ),
    "housing": _Layout(
        "xlsx",
        title="{county}农村房屋安全性鉴定结果汇总表（{period}）",
        headers={"id_number": "户主身份证号码"},
        spellings={"grade": {"A": "A级", "B": "B级", "C": "C级", "D": "D级危房"}},
    ),
    "disaster": _Layout("csv", "gb18030", dates="mixed", amounts="thousands"),
    "finance": _Layout("csv", "utf-8", headers={"id_number": "身份证号码"}, amounts="thousands"),
}


# --- The county, the months and one chunk seen from the departments ----------------------------------------------


@dataclass(frozen=True)
class _Months:
    first: np.ndarray  # date32 day of the first day of each panel month
    days: np.ndarray  # days in each panel month
    month_of_year: np.ndarray  # 1–12
    before: int  # date32 day of the first day of the month before the panel
    label: str  # "2025年11月至2026年10月"
    end: dt.date

    @classmethod
    def of(cls, params: SimulationParams) -> "_Months":
        end = params.end_month.year * 12 + params.end_month.month - 1
        starts = [dt.date(i // 12, i % 12 + 1, 1) for i in range(end - params.months, end + 2)]
        days = np.array([(d - dt.date(1970, 1, 1)).days for d in starts], dtype=np.int64)
        first, last = starts[1], starts[-2]
        label = f"{last.year}年{last.month}月"
        if params.months > 1:
            label = f"{first.year}年{first.month}月至{label}"
        return cls(
            first=days[1:-1],
            days=np.diff(days[1:]),
            month_of_year=np.array([d.month for d in starts[1:-1]]),
            before=int(days[0]),
            label=label,
            end=last,
        )

    def day_in(self, rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
        """A random day within each of the given panel months."""
        return self.first[month] + np.floor(rng.random(len(month)) * self.days[month]).astype(np.int64)


@dataclass(frozen=True)
class _County:
    name: str
    village_codes: pa.Array
    village_names: pa.Array
    township_names: pa.Array  # of each village


def _county_of(params: SimulationParams) -> _County:
    divisions = build_divisions(params)
    villages = divisions.filter(pc.equal(divisions["level"], "village"))
    townships = divisions.filter(pc.equal(divisions["level"], "township"))
    township = pc.index_in(villages["parent_code"], value_set=townships["code"].combine_chunks())
    return _County(
        name=params.county_name,
        village_codes=villages["code"].combine_chunks(),
        village_names=villages["name"].combine_chunks(),
        township_names=townships["name"].combine_chunks().take(township),
    )


def _codes(column: pa.ChunkedArray, values: Sequence[str]) -> np.ndarray:
    """Each value's position in `values` (-1 if absent)."""
    index = pc.index_in(column, value_set=pa.array(list(values), pa.string()))
    return pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _np(column: pa.ChunkedArray | pa.Array, fill: Any = 0) -> np.ndarray:
    return pc.fill_null(column, fill).to_numpy(zero_copy_only=False)


def _days(column: pa.ChunkedArray) -> np.ndarray:
    return _np(pc.cast(column, pa.int32())).astype(np.int64)


def _fen(yuan: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)


_H = {h: i for i, h in enumerate(Health)}
_SCHOOL = {s: i for i, s in enumerate(SchoolStatus)}
_SKILL = {s: i for i, s in enumerate(LabourSkill)}
_LABOUR = [_SKILL[LabourSkill.SKILLED], _SKILL[LabourSkill.ORDINARY], _SKILL[LabourSkill.WEAK]]
_T = {t: i for i, t in enumerate(SHOCK_TYPES)}
_MEDICAL_SHOCKS = ("illness", "accident", "disability", "death_of_earner")


class _View:
    """One chunk as numpy arrays for the department builders, with the events several departments share: which
    member each shock hit, the hospital bill of each medical shock and the dates of its stay.
    """

    def __init__(
        self, chunk: CountyChunk, index: int, params: SimulationParams, county: _County, months: _Months
    ) -> None:
        self.index, self.params, self.county, self.months = index, params, county, months
        hh, m = chunk.households, chunk.members
        n, k = hh.num_rows, len(months.first)
        self.hid = _np(hh["household_id"])
        first = int(self.hid[0])
        self.village = _np(pc.index_in(hh["village_code"], value_set=county.village_codes), -1)
        self.address = hh["address"].combine_chunks()
        status = hh["status"]
        self.is_monitored = _np(pc.equal(status, MonitoringStatus.MONITORED.value), False)
        self.is_eliminated = _np(pc.equal(status, MonitoringStatus.ELIMINATED.value), False)
        self.is_ever = self.is_monitored | self.is_eliminated
        self.is_formerly_poor = _np(hh["is_formerly_poor"], False)
        self.housing = _codes(hh["housing_grade"], ["A", "B", "C", "D"])

        self.mhh = _np(m["household_id"]) - first
        self.size = np.bincount(self.mhh, minlength=n)
        self.start = np.cumsum(self.size) - self.size
        relation = _codes(m["relation"], [r.value for r in Relation])
        self.head = self.start.copy()
        heads = np.flatnonzero(relation == 0)
        self.head[self.mhh[heads]] = heads
        self.ids = m["id_number"].combine_chunks()
        self.names = m["name"].combine_chunks()
        self.birth = _days(m["birth_date"])
        # Completed years at the panel start, as the generator counts age.
        self.age = ((months.first[0] - self.birth) / 365.2425).astype(np.int64)
        self.health = _codes(m["health"], list(Health))
        self.grade = _np(m["disability_grade"]).astype(np.int64)
        self.school = _codes(m["school_status"], list(SchoolStatus))
        self.skill = _codes(m["labour_skill"], list(LabourSkill))
        self.employed = _np(m["months_employed"]).astype(np.int64)
        self.is_resident = _np(m["is_resident"], False)
        self.insurance = _codes(m["medical_insurance"], list(MedicalInsurance))
        self.is_labour = np.isin(self.skill, _LABOUR)
        self.is_married_in = np.isin(relation, [1, 3]) & ~_np(
            pc.starts_with(self.ids, params.county_code[:6]), False
        )

        inc = chunk.incomes
        self.medical = _np(inc["medical_self_paid"]).reshape(n, k)
        self.claims = _np(inc["claims_income"]).reshape(n, k)
        gt = chunk.ground_truth
        self.income_pc = _np(gt["income_pc_12m"]).reshape(n, k)
        self.falls = _np(gt["falls_below"], False).reshape(n, k)

        s = chunk.shocks
        self.s_hh = _np(s["household_id"]) - first
        self.s_month = np.searchsorted(months.first, _days(s["month"]))
        self.s_type = _codes(s["shock_type"], SHOCK_TYPES)
        self.s_code = s["risk_code"].combine_chunks()
        self.s_cost = _fen(_np(s["cost"]))
        self._shared_events(np.random.default_rng([params.seed, 7919, index]))

    def pick(self, rng: np.random.Generator, weight: np.ndarray) -> np.ndarray:
        """Per household, one member drawn with probability ∝ weight (-1 where no member has any weight)."""
        key = np.full(len(weight), -np.inf)
        positive = weight > 0
        key[positive] = np.log(rng.random(len(weight))[positive]) / weight[positive]
        order = np.lexsort((key, self.mhh))  # each household's block keeps its place, sorted by key
        chosen = order[self.start + self.size - 1]
        return np.where(np.isfinite(key[chosen]), chosen, -1)

    def _shared_events(self, rng: np.random.Generator) -> None:
        sick = np.isin(self.health, [_H[Health.CHRONIC], _H[Health.SERIOUS]])
        working = self.employed > 0
        student = (self.school >= _SCHOOL[SchoolStatus.SENIOR]) & (
            self.school <= _SCHOOL[SchoolStatus.MASTER_PLUS]
        )
        is_head = np.zeros(len(self.mhh), bool)
        is_head[self.head] = True
        weights = {
            "illness": 1 + 4 * sick + self.age / 30,
            "accident": np.where(self.is_labour, 3.0, 0.3),
            "disability": np.where(
                self.health == _H[Health.DISABLED], 20.0, np.where(self.is_labour, 1.0, 0.2)
            ),
            "death_of_earner": 3.0 * working + 1.0 * self.is_labour,
            "job_loss": self.employed.astype(np.float64),
            "school_costs": student.astype(np.float64),
        }
        self.s_member = self.head[self.s_hh].copy()
        for t, w in weights.items():
            chosen = self.pick(rng, w + 1e-9 * is_head)
            rows = self.s_type == _T[t]
            self.s_member[rows] = chosen[self.s_hh[rows]]

        # The bill of each medical shock, recovered from the monthly self-paid spending: the generator pays a bill
        # over three months (_MEDICAL_SPREAD) on top of a constant chronic-care spending (the monthly minimum).
        self.chronic = self.medical.min(axis=1)
        spike = self.medical - self.chronic[:, None]
        bill = np.zeros_like(spike)
        for month in range(spike.shape[1]):
            earlier = sum(
                share * bill[:, month - lag] for lag, share in enumerate(_MEDICAL_SPREAD) if 0 < lag <= month
            )
            bill[:, month] = (spike[:, month] - earlier) / _MEDICAL_SPREAD[0]
        is_medical = np.isin(self.s_type, [_T[t] for t in _MEDICAL_SHOCKS])
        key = self.s_hh * spike.shape[1] + self.s_month
        sharing = np.bincount(key[is_medical], minlength=spike.size)[key]  # medical shocks in that month
        self.s_bill = np.where(
            is_medical, _fen(np.maximum(bill[self.s_hh, self.s_month], 0) / np.maximum(sharing, 1)), 0
        )
        # A stay within the shock's month: admitted, discharged after `stay` days, settled 0–2 days later.
        dim = self.months.days[self.s_month]
        stay = np.minimum(2 + rng.poisson(np.where(self.s_bill > 1_000_000, 10, 5)), dim - 3)
        lag = rng.integers(0, 3, len(dim))
        self.s_admitted = self.months.first[self.s_month] + np.floor(
            rng.random(len(dim)) * (dim - stay - lag)
        )
        self.s_admitted = self.s_admitted.astype(np.int64)
        self.s_discharged = self.s_admitted + stay
        self.s_settled = self.s_discharged + lag

    def township(self, households: np.ndarray) -> pa.Array:
        return self.county.township_names.take(pa.array(self.village[households]))

    def village_name(self, households: np.ndarray) -> pa.Array:
        return self.county.village_names.take(pa.array(self.village[households]))


# --- What each department records ------------------------------------------------------------------------------

Rows = dict[str, pa.Array]


def _choice(
    rng: np.random.Generator, values: Sequence[str], n: int, p: Sequence[float] | None = None
) -> pa.Array:
    weights = None if p is None else np.asarray(p, dtype=np.float64) / np.sum(p)
    return _labels(list(values), rng.choice(len(values), n, p=weights))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _person(v: _View, member: np.ndarray) -> Rows:
    index = pa.array(member)
    return {"id_number": v.ids.take(index), "name": v.names.take(index)}


def _one_of(rng: np.random.Generator, groups: Sequence[Sequence[str]], group: np.ndarray) -> pa.Array:
    """A random entry of groups[g] for each g in `group`."""
    flat = [value for values in groups for value in values]
    sizes = np.array([len(values) for values in groups])
    offsets = np.cumsum(sizes) - sizes
    return _labels(flat, offsets[group] + np.floor(rng.random(len(group)) * sizes[group]).astype(np.int64))


def _fill(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _end_day(months: _Months) -> int:
    return int(months.first[-1] + months.days[-1] - 1)


# Diagnoses by kind of settlement: the four medical shocks, then chronic and serious illness care.
_DIAGNOSES = (
    ("肺炎", "脑梗死", "冠心病", "慢性阻塞性肺疾病急性加重", "2型糖尿病伴并发症", "恶性肿瘤", "胆囊结石"),
    ("股骨骨折", "颅脑损伤", "多发伤", "腰椎骨折", "烧伤"),
    ("脑出血后遗症", "脊髓损伤", "截肢术后", "视网膜脱离"),
    ("急性心肌梗死", "恶性肿瘤晚期", "脑出血", "多器官功能衰竭"),
    ("高血压", "2型糖尿病", "慢性阻塞性肺疾病", "冠心病"),
    ("恶性肿瘤（门诊放化疗）", "尿毒症（血液透析）", "重性精神病"),
)
_KIND_OF_SHOCK = np.full(len(SHOCK_TYPES), -1)
_KIND_OF_SHOCK[[_T[t] for t in _MEDICAL_SHOCKS]] = np.arange(len(_MEDICAL_SHOCKS))


def _health(v: _View, rng: np.random.Generator) -> Rows:
    """One settlement per medical shock, its self-paid part being the shock's bill, and for chronic and serious
    illness one chronic-care settlement per half year carrying the household's regular self-paid spending: so
    the file's self-paid amounts add up to the ground truth's medical spending.
    """
    stays = np.flatnonzero(v.s_bill > 0)
    carer = v.pick(rng, (v.health == _H[Health.CHRONIC]) + 5.0 * (v.health == _H[Health.SERIOUS]))
    chronic = _fen(v.chronic)
    regular = np.flatnonzero((chronic > 0) & (carer >= 0))
    members, oops, days, kinds = [v.s_member[stays]], [v.s_bill[stays]], [], [_KIND_OF_SHOCK[v.s_type[stays]]]
    n_months = len(v.months.first)
    for start in range(0, n_months, 6):
        covered = min(start + 6, n_months) - start
        days.append(v.months.day_in(rng, np.full(len(regular), start + covered - 1)))
        members.append(carer[regular])
        oops.append(chronic[regular] * covered)
        kinds.append(4 + (v.health[carer[regular]] == _H[Health.SERIOUS]))
    member, oop, kind = np.concatenate(members), np.concatenate(oops), np.concatenate(kinds)
    care_days = np.concatenate([np.zeros(0, np.int64), *days])
    admitted = np.concatenate([v.s_admitted[stays], care_days])
    discharged = np.concatenate([v.s_discharged[stays], care_days])
    settled = np.concatenate([v.s_settled[stays], care_days])
    household, n = v.mhh[member], len(member)

    # Bigger bills at higher-level hospitals: township health centre, county hospitals, city, province.
    noisy = np.log(np.maximum(oop, 1)) + rng.normal(0, 0.7, n)
    level = np.digitize(noisy, np.log([150_000, 1_500_000, 4_000_000]))
    level = np.where(kind < 4, level, np.minimum(level, 1))
    county_hospital = _choice(rng, [f"{v.county.name}人民医院", f"{v.county.name}中医医院"], n, [0.75, 0.25])
    hospital = pc.choose(
        pa.array(level),
        _join(v.township(household), "卫生院"),
        county_hospital,
        _fill("南宁市第一人民医院", n),
        _fill("广西医科大学第一附属医院", n),
    )
    insurance = v.insurance[member]
    poor = (v.is_formerly_poor | v.is_ever)[household]
    # Reimbursed shares: the residents' scheme pays 55–70 % of a bill, and up to 90 % for poor households with
    # the serious-illness insurance and medical assistance on top (三重保障); the employees' scheme 75–88 %.
    share = np.select(
        [insurance == 0, insurance == 1],
        [np.minimum(rng.uniform(0.55, 0.70, n) + 0.15 * poor, 0.9), rng.uniform(0.75, 0.88, n)],
        0.0,
    )
    total = np.round(oop / (1 - share)).astype(np.int64)
    schemes = [MedicalInsurance.RESIDENT.value, MedicalInsurance.EMPLOYEE.value]
    return {
        **_person(v, member),
        "hospital": hospital,
        "admission_date": _date32(admitted),
        "discharge_date": _date32(discharged),
        "settlement_date": _date32(settled),
        "diagnosis": _one_of(rng, _DIAGNOSES, kind),
        "total_cost": pa.array(total),
        "reimbursed": pa.array(total - oop),
        "out_of_pocket": pa.array(oop),
        "insurance_type": _labels(schemes, np.minimum(insurance, 1), mask=(insurance < 0) | (insurance > 1)),
    }


_STAGES = ("学前教育", "小学", "初中", "高中", "中职", "高职", "大专", "本科")
_STAGE_OF_SCHOOL = np.array([_STAGES.index(s.value) if s.value in _STAGES else -1 for s in SchoolStatus])
_GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级")
# Pupils of compulsory-school age who left school and came back within the panel (控辍保学 brings them back).
RETURNED_SHARE = 0.002


def _schools(v: _View, member: np.ndarray, stage: np.ndarray) -> pa.Array:
    township, n, county = v.township(v.mhh[member]), len(member), v.county.name
    return pc.choose(
        pa.array(stage, pa.int64()),
        _join(township, "中心幼儿园"),
        _join(township, "中心小学"),
        _join(township, "中学"),
        _fill(f"{county}高级中学", n),
        _fill(f"{county}职业技术学校", n),
        _fill("广西工业职业技术学院", n),
        _fill("南宁职业技术学院", n),
        _fill("广西大学", n),
    )


def _education_dropout(v: _View, rng: np.random.Generator) -> Rows:
    """Children of 6–15 out of school (非在校生) as dropouts, and a few pupils who left and came back."""
    compulsory = (v.age >= 6) & (v.age <= 15)
    out = np.flatnonzero(compulsory & (v.school == _SCHOOL[SchoolStatus.NOT_IN_SCHOOL]))
    pupils = compulsory & np.isin(v.school, [_SCHOOL[SchoolStatus.PRIMARY], _SCHOOL[SchoolStatus.JUNIOR]])
    k = len(v.months.first)
    back = (
        np.flatnonzero(pupils & (rng.random(len(pupils)) < RETURNED_SHARE))
        if k > 1
        else np.zeros(0, np.int64)
    )
    left = rng.integers(0, k - 1, len(back)) if k > 1 else np.zeros(0, np.int64)
    returned = left + 1 + np.floor(rng.random(len(back)) * (k - 1 - left)).astype(np.int64)
    member = np.concatenate([out, back, back])
    month = np.concatenate([rng.integers(0, k, len(out)), left, returned])
    status = np.repeat([0, 0, 1], [len(out), len(back), len(back)])
    age = v.age[member]
    stage = np.where(age < 12, 1, 2)
    grade = np.where(stage == 1, np.clip(age - 6, 0, 5), np.clip(age - 6, 6, 8))
    guardian = v.head[v.mhh[member]]
    return {
        **_person(v, member),
        "school": _schools(v, member, stage),
        "grade": _labels(_GRADES, grade),
        "school_stage": _labels(_STAGES, stage),
        "status": _labels(["辍学", "在读"], status),
        "status_date": _date32(v.months.day_in(rng, month)),
        "guardian_name": v.names.take(pa.array(guardian, mask=guardian == member)),
    }


# Aid paid each semester (April and October) to pupils and students of formerly poor and monitored households:
# (stage, aid, yuan per semester, share of those students who receive it).
_AID = (
    ("学前教育", "免学费", 750, 0.9),
    ("小学", "生活补助", 500, 0.6),
    ("初中", "生活补助", 625, 0.8),
    ("高中", "国家助学金", 1_000, 0.9),
    ("高中", "免学费", 600, 0.9),
    ("中职", "国家助学金", 1_000, 0.9),
    ("中职", "免学费", 1_000, 1.0),
    ("中职", "雨露计划", 1_500, 0.8),
    ("高职", "雨露计划", 1_500, 0.8),
    ("大专", "雨露计划", 1_500, 0.5),
    ("高职", "国家助学金", 1_650, 0.6),
    ("大专", "国家助学金", 1_650, 0.6),
    ("本科", "国家助学金", 1_650, 0.6),
)
_AID_TYPES = sorted({aid for _s, aid, _y, _p in _AID} | {"助学贷款"})


def _education_aid(v: _View, rng: np.random.Generator) -> Rows:
    """Semester aid for the students of poor households, and a student loan after a school-cost shock."""
    stage = _STAGE_OF_SCHOOL[v.school]
    eligible = (v.is_formerly_poor | v.is_ever)[v.mhh] & (stage >= 0) & (v.age >= 3)
    pay = np.flatnonzero(np.isin(v.months.month_of_year, (4, 10)))
    members, aids, amounts, months = [], [], [], []
    for stage_name, aid, yuan, share in _AID:
        who = np.flatnonzero(
            eligible & (stage == _STAGES.index(stage_name)) & (rng.random(len(stage)) < share)
        )
        for month in pay:
            members.append(who)
            aids.append(np.full(len(who), _AID_TYPES.index(aid)))
            amounts.append(np.full(len(who), yuan * 100))
            months.append(np.full(len(who), month))
    loans = np.flatnonzero(v.s_type == _T["school_costs"])
    loans = loans[stage[v.s_member[loans]] >= _STAGES.index("高职")]
    members.append(v.s_member[loans])
    aids.append(np.full(len(loans), _AID_TYPES.index("助学贷款")))
    amounts.append(rng.integers(8, 17, len(loans)) * 100_000)
    months.append(v.s_month[loans])
    member = np.concatenate(members)
    return {
        **_person(v, member),
        "school": _schools(v, member, stage[member]),
        "school_stage": _labels(_STAGES, stage[member]),
        "aid_type": _labels(_AID_TYPES, np.concatenate(aids)),
        "amount": pa.array(np.concatenate(amounts).astype(np.int64)),
        "paid_month": _date32(v.months.first[np.concatenate(months).astype(np.int64)]),
    }


def _civil_affairs(v: _View, rng: np.random.Generator) -> Rows:
    """低保 for half the monitored households and most of those below the line, new 低保 after a fall below the
    line, 特困 for old people alone without labour, 临时救助 after a death, a disaster or a large hospital bill.
    One row per household (its head) and measure.
    """
    n, k, line = len(v.hid), len(v.months.first), v.params.line_yuan
    residents = np.maximum(np.bincount(v.mhh, weights=v.is_resident, minlength=n), 1).astype(np.int64)
    u = rng.random(n)
    on = (v.is_monitored & (u < 0.5)) | ((v.income_pc[:, 0] < line) & (u < 0.7))
    # The monthly 低保 tops income up to the line (补差): between a fifth of the line and all of it per person.
    gap = np.clip(line - v.income_pc, 0.2 * line, line) / 12 * residents[:, None]
    since = v.months.first[0] - rng.integers(30, 6 * 365, n)
    fell_h, fell_m = np.nonzero(v.falls)
    new_m = fell_m + rng.integers(1, 3, len(fell_h))
    new = (new_m < k) & ~on[fell_h] & (rng.random(len(fell_h)) < 0.6)
    fell_h, fell_m, new_m = fell_h[new], fell_m[new], new_m[new]
    head_age = v.age[v.head]
    alone = (v.size == 1) & (head_age >= 60) & ~v.is_labour[v.head] & (rng.random(n) < 0.5)

    s = np.arange(len(v.s_hh))
    p = np.select(
        [v.s_type == _T["death_of_earner"], v.s_type == _T["disaster"], v.s_bill > 2_000_000],
        [0.9, 0.25, 0.4],
        0,
    )
    relief = s[rng.random(len(s)) < p]
    relief_day = v.months.first[v.s_month[relief]] + rng.integers(10, 41, len(relief))
    keep = relief_day <= _end_day(v.months)
    relief, relief_day = relief[keep], relief_day[keep]
    relief_yuan = np.where(v.s_type[relief] == _T["death_of_earner"], 20, 10) + rng.integers(
        0, 31, len(relief)
    )

    dibao, tekun = np.flatnonzero(on), np.flatnonzero(alone)
    household = np.concatenate([dibao, fell_h, tekun, v.s_hh[relief]])
    kind = np.repeat([0, 0, 1, 2], [len(dibao), len(fell_h), len(tekun), len(relief)])
    status = np.repeat([0, 1, 0, 1], [len(dibao), len(fell_h), len(tekun), len(relief)])
    yuan = np.concatenate(
        [gap[dibao, 0], gap[fell_h, fell_m], np.full(len(tekun), 1.3 * line / 12), relief_yuan * 100.0]
    )
    start = np.concatenate([since[dibao], v.months.day_in(rng, new_m), since[tekun], relief_day])
    return {
        **_person(v, v.head[household]),
        "village_name": v.village_name(household),
        "assistance_type": _labels(["低保", "特困", "临时救助"], kind),
        "status": _labels(["在保", "新增"], status),
        "household_size": pa.array(residents[household]),
        "amount": pa.array(np.round(yuan).astype(np.int64) * 100),
        "start_date": _date32(start),
    }


_DESTINATIONS = (
    "广东省广州市白云区",
    "广东省深圳市宝安区",
    "广东省东莞市",
    "广东省佛山市南海区",
    "广西壮族自治区南宁市青秀区",
    "广西壮族自治区柳州市城中区",
    "浙江省宁波市鄞州区",
)


def _public_security(v: _View, rng: np.random.Generator) -> Rows:
    """Deaths (the earner of a death-of-earner shock, on the day the stay ended), register moves out of members
    living away, moves in of recently married-in spouses, and births registered within the panel."""
    total, k = len(v.mhh), len(v.months.first)
    deaths = np.flatnonzero(v.s_type == _T["death_of_earner"])
    out = np.flatnonzero(~v.is_resident & (v.age >= 16) & (rng.random(total) < 0.12))
    came = np.flatnonzero(v.is_married_in & (v.age < 35) & (rng.random(total) < 0.25))
    registered = v.birth + rng.integers(20, 90, total)
    born = np.flatnonzero((registered >= v.months.first[0]) & (registered <= _end_day(v.months)))
    member = np.concatenate([v.s_member[deaths], out, came, born])
    day = np.concatenate(
        [
            v.s_discharged[deaths],
            v.months.day_in(rng, rng.integers(0, k, len(out))),
            v.months.day_in(rng, rng.integers(0, k, len(came))),
            registered[born],
        ]
    )
    event = np.repeat([0, 1, 2, 3], [len(deaths), len(out), len(came), len(born)])
    moved_to = _choice(rng, _DESTINATIONS, len(member))
    station = pc.replace_substring_regex(v.township(v.mhh[member]), "[镇乡]$", "")
    return {
        **_person(v, member),
        "event_type": _labels(["死亡", "迁出", "迁入", "出生"], event),
        "event_date": _date32(day),
        "moved_to": pc.if_else(pa.array(event == 1), moved_to, pa.scalar(None, pa.string())),
        "police_station": _join(station, "派出所"),
    }


_DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
_DISABILITY_TYPE_SHARES = (0.13, 0.10, 0.02, 0.50, 0.08, 0.10, 0.07)


def _disability(v: _View, rng: np.random.Generator) -> Rows:
    """A certificate for every member the registry lists as disabled, and a new one in the months after a
    disability shock (also for someone the registry does not list yet). The certificate number is the ID
    number followed by the type and the grade (第二代残疾人证)."""
    total = len(v.mhh)
    issued = v.months.first[0] - rng.integers(30, 12 * 365, total)
    grade = np.where(v.health == _H[Health.DISABLED], v.grade, 3 + (rng.random(total) < 0.5))
    holder = v.health == _H[Health.DISABLED]
    shocks = np.flatnonzero(v.s_type == _T["disability"])
    month = v.s_month[shocks] + rng.integers(1, 4, len(shocks))
    shocks, month = shocks[month < len(v.months.first)], month[month < len(v.months.first)]
    issued[v.s_member[shocks]] = v.months.day_in(rng, month)
    holder[v.s_member[shocks]] = True
    member = np.flatnonzero(holder)
    kind = rng.choice(len(_DISABILITY_TYPES), len(member), p=_DISABILITY_TYPE_SHARES)
    person = _person(v, member)
    grade = np.clip(grade[member], 1, 4)
    return {
        **person,
        "certificate_number": _join(
            person["id_number"],
            pc.cast(pa.array(kind + 1), pa.string()),
            pc.cast(pa.array(grade), pa.string()),
        ),
        "disability_type": _labels(_DISABILITY_TYPES, kind),
        "disability_grade": pc.cast(pa.array(grade), pa.string()),
        "issue_date": _date32(issued[member]),
    }


_INDUSTRIES = ("电子科技", "制衣", "建筑工程", "物流", "食品", "家具", "五金制品", "鞋业")
_WORK_PLACES = (
    "广东省东莞市",
    "广东省深圳市",
    "广东省广州市",
    "广东省佛山市",
    "浙江省宁波市",
    "福建省厦门市",
    "广西南宁市",
)


def _employers(rng: np.random.Generator, n: int) -> pa.Array:
    place = names.PLACES.text.take(pa.array(rng.integers(0, len(names.PLACES), n)))
    return _join(place, _choice(rng, _INDUSTRIES, n), "有限公司")


def _human_resources(v: _View, rng: np.random.Generator) -> Rows:
    """Unemployment registration after a job loss (a fifth with wages owed), other unpaid wages, public-welfare
    jobs for members of monitored households, and employment registration of workers from poor households."""
    total, k = len(v.mhh), len(v.months.first)
    lost = np.flatnonzero(v.s_type == _T["job_loss"])
    lost_day = v.months.day_in(rng, v.s_month[lost])
    owed = rng.random(len(lost)) < 0.2
    owed_day = np.minimum(lost_day[owed] + rng.integers(0, 20, owed.sum()), _end_day(v.months))
    unpaid = np.flatnonzero((v.employed > 0) & (rng.random(total) < 0.002))
    ever = v.is_monitored[v.mhh] | v.is_eliminated[v.mhh]
    weak_or_ordinary = np.isin(v.skill, [_SKILL[LabourSkill.ORDINARY], _SKILL[LabourSkill.WEAK]])
    welfare = np.flatnonzero(
        ever & weak_or_ordinary & (v.age >= 18) & (v.age <= 65) & (rng.random(total) < 0.08)
    )
    poor = (v.is_formerly_poor | v.is_ever)[v.mhh]
    working = np.flatnonzero(poor & (v.employed > 0) & (rng.random(total) < 0.4))
    member = np.concatenate([v.s_member[lost], v.s_member[lost][owed], unpaid, welfare, working])
    sizes = [len(lost), int(owed.sum()), len(unpaid), len(welfare), len(working)]
    event = np.repeat([0, 1, 1, 2, 3], sizes)
    day = np.concatenate(
        [
            lost_day,
            owed_day,
            v.months.day_in(rng, rng.integers(0, k, len(unpaid))),
            v.months.day_in(rng, rng.integers(0, k, len(welfare))),
            v.months.day_in(rng, rng.integers(0, k, len(working))),
        ]
    )
    yuan = np.concatenate(
        [
            np.zeros(len(lost)),
            rng.integers(200, 2_001, sizes[1] + sizes[2]) * 10,
            rng.integers(6, 11, len(welfare)) * 100,
            rng.integers(30, 71, len(working)) * 100,
        ]
    )
    n = len(member)
    is_welfare = pa.array(event == 2)
    village = v.village_name(v.mhh[member])
    return {
        **_person(v, member),
        "event_type": _labels(["失业", "欠薪", "公益岗", "就业"], event),
        "employer": pc.if_else(is_welfare, _join(village, "村民委员会"), _employers(rng, n)),
        "work_place": pc.if_else(is_welfare, village, _choice(rng, _WORK_PLACES, n)),
        "amount": pa.array(_fen(yuan), mask=event == 0),
        "event_date": _date32(day),
    }


def _housing(v: _View, rng: np.random.Generator) -> Rows:
    """Appraisals of every C or D house and of half the houses of poor households (dynamic monitoring)."""
    n, k = len(v.hid), len(v.months.first)
    unsafe = v.housing >= 2
    household = np.flatnonzero(unsafe | ((v.is_formerly_poor | v.is_ever) & (rng.random(n) < 0.5)))
    in_plan = unsafe[household] & (rng.random(len(household)) < 0.6)
    return {
        **_person(v, v.head[household]),
        "village_name": v.village_name(household),
        "address": v.address.take(pa.array(household)),
        "grade": _labels(["A", "B", "C", "D"], v.housing[household]),
        "is_in_renovation_plan": pa.array(in_plan),
        "appraisal_date": _date32(v.months.day_in(rng, rng.integers(0, k, len(household)))),
    }


def _disaster(v: _View, rng: np.random.Generator) -> Rows:
    """Each household a disaster hit, with its loss and the disaster's code; village totals are added at the end."""
    hit = np.flatnonzero(v.s_type == _T["disaster"])
    household, month = v.s_hh[hit], v.s_month[hit]
    village = v.village[household]
    # The same day for every household of a village, whichever chunk it is in.
    day = v.months.first[month] + (village * 7 + month * 13) % v.months.days[month]
    code = v.s_code.take(pa.array(hit))
    drought, flood = _np(pc.equal(code, "0202"), False), _np(pc.equal(code, "0201"), False)
    u = rng.random(len(hit))
    water = np.select(
        [drought & (u < 0.3), drought & (u < 0.5), flood & (u < 0.15), u < 0.05], [2, 1, 1, 1], 0
    )
    return {
        "village_code": v.county.village_codes.take(pa.array(village)),
        "village_name": v.county.village_names.take(pa.array(village)),
        **_person(v, v.head[household]),
        "disaster_type": code,
        "loss_amount": pa.array(v.s_cost[hit]),
        "households_affected": pa.nulls(len(hit), pa.int64()),
        "drinking_water": _labels(["安全", "不安全", "中断"], water),
        "disaster_date": _date32(day),
    }


def _finance(v: _View, rng: np.random.Generator) -> Rows:
    """防贫保 claims as the ground truth paid them, and microcredit arrears of formerly poor households three
    months after a business failure (half of them) or for no recorded reason (0.5 % of them)."""
    n, k = len(v.hid), len(v.months.first)
    claim_h, claim_m = np.nonzero(v.claims > 0)
    failed = np.flatnonzero((v.s_type == _T["business_failure"]) & v.is_formerly_poor[v.s_hh])
    failed = failed[rng.random(len(failed)) < 0.5]
    due = v.s_month[failed] + 3
    other = np.flatnonzero(v.is_formerly_poor & (rng.random(n) < 0.005))
    arrears_h = np.concatenate([v.s_hh[failed][due < k], other])
    arrears_m = np.concatenate([due[due < k], rng.integers(0, k, len(other))])
    household = np.concatenate([claim_h, arrears_h])
    is_claim = np.arange(len(household)) < len(claim_h)
    insurers = [
        f"中国人民财产保险股份有限公司{v.county.name}支公司",
        "中华联合财产保险股份有限公司南宁中心支公司",
    ]
    banks = [f"{v.county.name}农村信用合作联社", f"中国邮政储蓄银行{v.county.name}支行"]
    pick = v.hid[household] % 2
    return {
        **_person(v, v.head[household]),
        "record_type": _labels(["防贫保理赔", "小额信贷逾期"], (~is_claim).astype(np.int64)),
        "institution": pc.if_else(pa.array(is_claim), _labels(insurers, pick), _labels(banks, pick)),
        "amount": pa.array(
            np.concatenate([_fen(v.claims[claim_h, claim_m]), rng.integers(10, 51, len(arrears_h)) * 100_000])
        ),
        "overdue_days": pa.array(rng.integers(1, 91, len(household)), mask=is_claim),
        "event_date": _date32(v.months.day_in(rng, np.concatenate([claim_m, arrears_m]).astype(np.int64))),
    }


_BUILDERS: Mapping[str, Callable[[_View, np.random.Generator], Rows]] = {
    "health": _health,
    "education_dropout": _education_dropout,
    "education_aid": _education_aid,
    "civil_affairs": _civil_affairs,
    "public_security": _public_security,
    "disability": _disability,
    "human_resources": _human_resources,
    "housing": _housing,
    "disaster": _disaster,
    "finance": _finance,
}
_SOURCES = tuple(_BUILDERS)


# --- Defects -----------------------------------------------------------------------------------------------------


def _replace(values: pa.Array, rows: np.ndarray, new: Sequence[Any]) -> pa.Array:
    """`values` with the given (ascending) rows replaced."""
    if not len(rows):
        return values
    mask = np.zeros(len(values), bool)
    mask[rows] = True
    return pc.replace_with_mask(values, pa.array(mask), pa.array(list(new), values.type))


def _outsider_id(rng: np.random.Generator, number: str | None, province: str) -> str:
    """A valid ID number of a county in another province, born on the same day as `number` when it has one."""
    regions = [r for r in _OUTSIDE_REGIONS if r[:2] != province]
    birth = number[6:14] if number and len(number) == 18 and number[:17].isdigit() else "19800101"
    body = f"{regions[rng.integers(len(regions))]}{birth}{rng.integers(1, 1000):03d}"
    return body + check_character(body)


def _outsider_name(rng: np.random.Generator) -> str:
    surname = names.SURNAMES.text[int(names.SURNAMES.draw(rng, 1)[0])].as_py()
    given = names.GIVEN.text[int(rng.integers(0, len(names.GIVEN) - 1))].as_py()
    return surname + given


def _variant(name: str) -> str:
    """The name with its last character swapped for a look-alike or sound-alike one."""
    last = name[-1]
    return name[:-1] + _NAME_SWAPS.get(last, "华" if last != "华" else "伟")


def _mistype(rng: np.random.Generator, number: str) -> str:
    # A digit of the county part or the order code: the region and birth date stay real, so only the check
    # character shows the slip (every single-digit change does, MOD 11-2 being built for that).
    position = int(rng.choice([2, 3, 4, 5, 14, 15, 16]))
    digit = (int(number[position]) + 1 + int(rng.integers(0, 9))) % 10
    return f"{number[:position]}{digit}{number[position + 1 :]}"


def _mangle_ids(
    ids: pa.Array, rng: np.random.Generator, *, is_csv: bool, is_required: bool, untouched: np.ndarray
) -> tuple[pa.Array, dict[str, int]]:
    """ID numbers with the typing and export slips of real files planted at their rates. An empty cell is only
    planted where the ID is required: elsewhere it is not a slip anyone could see (a village-level row)."""
    n = len(ids)
    has_x = _np(pc.ends_with(ids, "X"), False)
    digits_only = _np(pc.match_substring_regex(ids, r"^[0-9]{18}$"), False)
    rates = [MISTYPED_DIGIT_RATE, EXCEL_NUMBER_RATE if is_csv else 0.0, FULL_WIDTH_RATE, SPACED_ID_RATE]
    bounds = np.cumsum([*rates, MISSING_ID_RATE if is_required else 0.0])
    kind = np.searchsorted(bounds, rng.random(n), side="right")  # len(bounds) = no slip
    kind[untouched | ~_np(ids.is_valid(), False)] = len(bounds)
    kind[(kind == 1) & ~digits_only] = len(bounds)
    share_x = has_x.mean() if n else 0.0
    lose_x = (
        has_x
        & (kind == len(bounds))
        & ~untouched
        & (rng.random(n) < min(LOST_X_RATE / max(share_x, 1e-9), 0.5))
    )
    rows = np.flatnonzero((kind < len(bounds)) | lose_x)
    old = ids.take(pa.array(rows)).to_pylist()
    new: list[str | None] = []
    for row, number in zip(rows, old, strict=True):
        if lose_x[row]:
            new.append(number[:-1])
        elif kind[row] == 0:
            new.append(_mistype(rng, number))
        elif kind[row] == 1:
            new.append(f"{float(number):.5E}")
        elif kind[row] == 2:
            new.append(number.translate(_FULL_WIDTH))
        elif kind[row] == 3:
            new.append(f"{number[:6]} {number[6:14]} {number[14:]}")
        else:
            new.append(None)
    counts = {
        "mistyped_digit": int((kind == 0).sum()),
        "excel_number": int((kind == 1).sum()),
        "full_width": int((kind == 2).sum()),
        "spaced": int((kind == 3).sum()),
        "missing_id": int((kind == 4).sum()),
        "lost_x": int(lose_x.sum()),
    }
    return _replace(ids, rows, new), counts


def _shift_late(
    columns: dict[str, pa.Array], schema: FeedSchemaDef, months: _Months, rng: np.random.Generator
) -> int:
    """Move LATE_RATE of the rows dated within the panel to the month before it, all their dates alike."""
    period = columns[schema.period_column]
    days = _np(pc.cast(period, pa.int32()), -1).astype(np.int64)
    late = np.flatnonzero((days >= months.first[0]) & (rng.random(len(days)) < LATE_RATE))
    if not len(late):
        return 0
    month = np.searchsorted(months.first, days[late], side="right") - 1
    target = months.before + np.minimum(days[late] - months.first[month], 27)
    shift = days[late] - target
    for column in schema.columns:
        if column.name not in columns or column.type not in (ColumnType.DATE, ColumnType.MONTH):
            continue
        values = columns[column.name]
        old = _np(pc.cast(values.take(pa.array(late)), pa.int32()), -1).astype(np.int64)
        new = old - shift
        if column.type is ColumnType.MONTH:
            new = new.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        keep = old >= 0
        columns[column.name] = _replace(values, late[keep], _date32(new[keep]).to_pylist())
    return len(late)


def _plant_defects(
    rows: pa.Table,
    schema: FeedSchemaDef,
    layout: _Layout,
    months: _Months,
    rng: np.random.Generator,
    *,
    province: str,
    is_first_chunk: bool,
) -> tuple[pa.Table, dict[str, int]]:
    """The rows as a department would send them: outsiders, name variants, ID slips, late rows, formulas and
    duplicates, each at its rate."""
    n = rows.num_rows
    counts: dict[str, int] = {}
    if not n:
        return rows, counts
    columns = {name: rows[name].combine_chunks() for name in rows.column_names}
    id_col, name_col = schema.match.id_number, schema.match.name
    outsider = np.zeros(n, bool)
    if id_col in columns:
        outsider = (rng.random(n) < OUTSIDER_RATE) & _np(columns[id_col].is_valid(), False)
        chosen = np.flatnonzero(outsider)
        old = columns[id_col].take(pa.array(chosen)).to_pylist()
        columns[id_col] = _replace(columns[id_col], chosen, [_outsider_id(rng, x, province) for x in old])
        if name_col in columns:
            columns[name_col] = _replace(columns[name_col], chosen, [_outsider_name(rng) for _ in chosen])
        columns[id_col], counts = _mangle_ids(
            columns[id_col],
            rng,
            is_csv=layout.kind == "csv",
            is_required=schema.column(id_col).required,
            untouched=outsider,
        )
        counts["outsider"] = len(chosen)
    if name_col in columns:
        chosen = np.flatnonzero(
            (rng.random(n) < NAME_VARIANT_RATE) & ~outsider & _np(columns[name_col].is_valid(), False)
        )
        old = columns[name_col].take(pa.array(chosen)).to_pylist()
        columns[name_col] = _replace(columns[name_col], chosen, [_variant(x) for x in old])
        counts["name_variant"] = len(chosen)
    counts["late"] = _shift_late(columns, schema, months, rng)
    text = [
        c.name for c in schema.columns if c.type is ColumnType.TEXT and c.name in columns and not c.required
    ]
    if layout.formulas and is_first_chunk and text:
        chosen = np.sort(rng.choice(n, min(FORMULA_CELLS, n), replace=False))
        formulas = ['=HYPERLINK("http://wage.example.cn/check","点击查看明细")', "=1+1"][: len(chosen)]
        columns[text[0]] = _replace(columns[text[0]], chosen, formulas)
        counts["formula"] = len(chosen)
    copies = 1 + (rng.random(n) < DUPLICATE_RATE)
    counts["duplicate"] = int((copies > 1).sum())
    return pa.table(columns).take(pa.array(np.repeat(np.arange(n), copies))), counts


# --- Writing -----------------------------------------------------------------------------------------------------


def _header(column: ColumnDef, layout: _Layout) -> str:
    alias = layout.headers.get(column.name)
    return alias if alias and alias in column.header_spellings() else column.label_zh


def _spelled(column: ColumnDef, values: pa.Array, layout: _Layout) -> pa.Array:
    """Canonical codes in this department's spelling, where the schema accepts that spelling."""
    accepted = column.code_map()
    preferred = layout.spellings.get(column.name, {})
    spelling = {c: s for c, s in preferred.items() if accepted.get(s) == c}
    if not spelling:
        return values
    index = pc.index_in(values, value_set=pa.array(list(spelling), pa.string()))
    return pc.if_else(index.is_valid(), pa.array(list(spelling.values()), pa.string()).take(index), values)


def _date_text(values: pa.Array, style: str, rng: np.random.Generator) -> pa.Array:
    iso = pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d")
    if style != "mixed" or not len(values):
        return iso
    parts = [pc.cast(f(values), pa.string()) for f in (pc.year, pc.month, pc.day)]
    slashes = pc.binary_join_element_wise(*parts, "/")
    digits = pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y%m%d")
    form = rng.choice(3, len(values), p=MIXED_DATE_SHARES)
    return pc.choose(pa.array(form), iso, slashes, digits)


def _amount_text(fen: pa.Array, style: str) -> pa.Array:
    """Fen as yuan text: 1234.50, 1,234.50 or 1234.50元."""
    valid = _np(fen.is_valid(), False)
    value = _np(fen).astype(np.int64)
    yuan, cents = value // 100, value % 100

    def text(numbers: np.ndarray, width: int = 0) -> pa.Array:
        out = pc.cast(pa.array(numbers), pa.string())
        return pc.utf8_lpad(out, width=width, padding="0") if width else out

    whole = text(yuan)
    if style == "thousands":
        millions, thousands, units = yuan // 1_000_000, yuan // 1_000 % 1_000, yuan % 1_000
        whole = pc.choose(
            pa.array(np.select([yuan >= 1_000_000, yuan >= 1_000], [2, 1], 0)),
            whole,
            pc.binary_join_element_wise(text(yuan // 1_000), text(units, 3), ","),
            pc.binary_join_element_wise(text(millions), text(thousands, 3), text(units, 3), ","),
        )
    out = pc.binary_join_element_wise(whole, text(cents, 2), ".")
    if style == "yuan":
        out = pc.binary_join_element_wise(out, "元", "")
    return pc.if_else(pa.array(valid), out, pa.scalar(None, pa.string()))


def _csv_cell(column: ColumnDef, values: pa.Array, layout: _Layout, rng: np.random.Generator) -> pa.Array:
    match column.type:
        case ColumnType.DATE:
            text = _date_text(values, layout.dates, rng)
        case ColumnType.MONTH:
            text = pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m")
        case ColumnType.AMOUNT:
            text = _amount_text(values, layout.amounts)
        case ColumnType.INTEGER:
            text = pc.cast(values, pa.string())
        case ColumnType.BOOLEAN:
            text = pc.if_else(values, "是", "否")
        case ColumnType.CODE:
            text = _spelled(column, values, layout)
        case _:
            text = values
    text = pc.fill_null(text, "")
    needs_quotes = pc.match_substring_regex(text, '[,"\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs_quotes, quoted, text)


def _xlsx_cell(column: ColumnDef, values: pa.Array, layout: _Layout) -> list[Any]:
    """Python values for openpyxl: dates as dates, amounts as numbers, ID numbers and codes as text."""
    match column.type:
        case ColumnType.MONTH:
            values = pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m")
        case ColumnType.AMOUNT:
            values = pc.divide(pc.cast(values, pa.float64()), 100.0)
        case ColumnType.BOOLEAN:
            values = pc.if_else(values, "是", "否")
        case ColumnType.CODE:
            values = _spelled(column, values, layout)
    return values.to_pylist()


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV record (for the few rows written one by one: title, header, total)."""
    quote = '"'
    return ",".join(
        quote + c.replace(quote, quote * 2) + quote if any(x in c for x in ',"\r\n') else c for c in cells
    )


def _utf8_bytes(strings: pa.Array) -> bytes:
    """The concatenated UTF-8 of a string array, straight from its data buffer (no Python string per row)."""
    if not len(strings):
        return b""
    offsets = np.frombuffer(strings.buffers()[1], np.int32, count=len(strings) + 1, offset=4 * strings.offset)
    return bytes(memoryview(strings.buffers()[2])[offsets[0] : offsets[-1]])


_W3CDTF = 'xsi:type="dcterms:W3CDTF"'


def _frozen_zip(source: Path, target: Path, when: dt.datetime) -> None:
    """Copy an XLSX with every entry stamped `when`: zip entries carry the time they were written otherwise."""
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            if info.filename == "docProps/core.xml":  # openpyxl sets "modified" to the time of saving
                core = old.read(info).decode()
                modified = f"<dcterms:modified {_W3CDTF}>{when:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>"
                new.writestr(
                    entry, re.sub(r"<dcterms:modified [^>]*>[^<]*</dcterms:modified>", modified, core)
                )
                continue
            with old.open(info) as src, new.open(entry, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


class _FeedFile:
    """One department's file: opened at the first chunk, appended chunk by chunk, finished by `close`."""

    def __init__(self, schema: FeedSchemaDef, layout: _Layout, path: Path, *, title: str, when: dt.datetime):
        self.schema, self.layout, self.path, self.title, self.when = schema, layout, path, title, when
        self.columns: list[ColumnDef] | None = None
        self.rows = 0
        self.defects: dict[str, int] = {}
        self._sums: dict[str, int] = {}
        self._villages: list[pa.Table] = []
        self._file: Any = None
        self._workbook: Workbook | None = None
        self._sheet: Any = None

    # Opening and raw output

    def _open(self, produced: Sequence[str]) -> None:
        self.columns = [c for c in self.schema.columns if c.name in produced]
        headers = [_header(c, self.layout) for c in self.columns]
        title = [self.title] + [""] * (len(headers) - 1) if self.layout.title else None
        if self.layout.kind == "xlsx":
            self._workbook = Workbook(write_only=True)
            self._workbook.properties.creator = self.schema.department
            self._workbook.properties.created = self._workbook.properties.modified = self.when
            self._sheet = self._workbook.create_sheet(self.schema.name_zh[:31])
            if title:
                self._sheet.append([self.title])
            self._sheet.append(headers)
        else:
            self._file = self.path.open("wb")
            if self.layout.encoding == "utf-8-sig":
                self._file.write(b"\xef\xbb\xbf")
            self._write_text("".join(_csv_line(r) + "\r\n" for r in [title, headers] if r))

    def _write_text(self, text: str) -> None:
        self._write_utf8(text.encode("utf-8"))

    def _write_utf8(self, data: bytes) -> None:
        if self.layout.encoding in ("utf-8", "utf-8-sig"):
            self._file.write(data)
        else:
            self._file.write(data.decode("utf-8").encode(self.layout.encoding))

    def _write(self, table: pa.Table, rng: np.random.Generator) -> None:
        assert self.columns is not None
        if not table.num_rows:
            return
        self.rows += table.num_rows
        for column in self.columns:
            if column.type is ColumnType.AMOUNT:
                total = pc.sum(table[column.name]).as_py() or 0
                self._sums[column.name] = self._sums.get(column.name, 0) + total
        if self._sheet is not None:
            cells = [_xlsx_cell(c, table[c.name].combine_chunks(), self.layout) for c in self.columns]
            for row in zip(*cells, strict=True):  # openpyxl takes one row at a time
                self._sheet.append(row)
            return
        cells = [_csv_cell(c, table[c.name].combine_chunks(), self.layout, rng) for c in self.columns]
        lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, ","), "", "\r\n")
        self._write_utf8(_utf8_bytes(lines))

    # The chunk-by-chunk work

    def add(
        self, rows: Rows, rng: np.random.Generator, *, months: _Months, province: str, index: int
    ) -> None:
        if self.columns is None:
            self._open(list(rows))
        table = pa.table(rows)
        if self.schema.source == "disaster":  # village totals, written at the end: a village spans chunks
            self._villages.append(self._village_totals(table))
        period = _np(pc.cast(table[self.schema.period_column], pa.int32()), np.iinfo(np.int32).max)
        table = table.take(pa.array(np.argsort(period, kind="stable")))
        table, counts = _plant_defects(
            table, self.schema, self.layout, months, rng, province=province, is_first_chunk=index == 0
        )
        for name, count in counts.items():
            self.defects[name] = self.defects.get(name, 0) + count
        self._write(table, rng)

    @staticmethod
    def _village_totals(table: pa.Table) -> pa.Table:
        keys = ["village_code", "village_name", "disaster_type", "disaster_date"]
        unsafe = pc.cast(pc.not_equal(table["drinking_water"], "安全"), pa.int64())
        return (
            table.select([*keys, "loss_amount"])
            .append_column("unsafe", unsafe)
            .group_by(keys)
            .aggregate([("loss_amount", "sum"), ("loss_amount", "count"), ("unsafe", "sum")])
        )

    def close(self, rng: np.random.Generator) -> Path:
        if self.columns is None:
            self._open([c.name for c in self.schema.columns])
        if self._villages:
            self._write(self._village_rows(), rng)
        if self._sheet is not None:
            assert self._workbook is not None
            partial = self.path.with_name(f".{self.path.name}.partial")
            self._workbook.save(partial)
            _frozen_zip(partial, self.path, self.when)
            partial.unlink()
        else:
            if self.layout.total_row and self.columns:
                total = ["合计"] + [
                    _amount_text(pa.array([self._sums.get(c.name, 0)]), self.layout.amounts)[0].as_py()
                    if c.type is ColumnType.AMOUNT
                    else ""
                    for c in self.columns[1:]
                ]
                self._write_text(_csv_line(total) + "\r\n")
            self._file.close()
        log.info("feed file %s: %d rows, defects %s", self.path.name, self.rows, self.defects)
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        self._workbook = self._sheet = None
        self.path.unlink(missing_ok=True)

    def _village_rows(self) -> pa.Table:
        """One row per village and disaster: the households hit, their losses, unsafe water if any household's."""
        keys = ["village_code", "village_name", "disaster_type", "disaster_date"]
        parts = pa.concat_tables(self._villages)
        totals = parts.group_by(keys).aggregate(
            [("loss_amount_sum", "sum"), ("loss_amount_count", "sum"), ("unsafe_sum", "sum")]
        )
        totals = totals.take(
            pc.sort_indices(totals, [("disaster_date", "ascending"), ("village_code", "ascending")])
        )
        n = totals.num_rows
        water = pc.if_else(pc.greater(totals["unsafe_sum_sum"], 0), "不安全", "安全")
        return pa.table(
            {
                **{k: totals[k] for k in keys},
                "id_number": pa.nulls(n, pa.string()),
                "name": pa.nulls(n, pa.string()),
                "loss_amount": totals["loss_amount_sum_sum"],
                "households_affected": totals["loss_amount_count_sum"],
                "drinking_water": water,
            }
        )


class FeedFileWriter:
    """Writes the files the county's departments would send, one per feed schema: `add` every chunk of
    `generate_chunks(params)` in order, then `close`, which returns the paths written.

    Memory stays bounded by one chunk: rows are appended as they are made (XLSX rows go to openpyxl's
    write-only stream), and only village disaster totals are kept until the end.
    """

    def __init__(
        self, *, params: SimulationParams, out_dir: Path, schemas: Sequence[FeedSchemaDef] | None = None
    ) -> None:
        self.params = params
        self.schemas = list(default_schemas() if schemas is None else schemas)
        sources = [s.source for s in self.schemas]
        unknown = sorted(set(sources) - set(_BUILDERS))
        if unknown:
            raise ValueError(
                f"The simulator cannot write files for {', '.join(unknown)}; it knows {', '.join(_SOURCES)}."
            )
        if len(set(sources)) < len(sources):
            raise ValueError("Give one schema per source: each source's file is named after it.")
        self._months = _Months.of(params)
        self._county = _county_of(params)
        self._chunks = 0
        self._closed = False
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        end = self._months.end
        exported = dt.datetime(end.year, end.month, 1) + dt.timedelta(
            days=int(self._months.days[-1]) + 2, hours=9
        )
        self._files = []
        for schema in self.schemas:
            layout = LAYOUTS[schema.source]
            path = out_dir / f"{schema.source}_{end:%Y%m}.{layout.kind}"
            title = layout.title.format(county=params.county_name, period=self._months.label)
            self._files.append(_FeedFile(schema, layout, path, title=title, when=exported))

    def _rng(self, source: str, chunk: int) -> np.random.Generator:
        # The writer's own stream [seed, 7919, chunk], one sub-stream per department.
        return np.random.default_rng([self.params.seed, 7919, chunk, 1 + _SOURCES.index(source)])

    def add(self, chunk: CountyChunk) -> None:
        if self._closed:
            raise RuntimeError("The feed files are closed; start a new FeedFileWriter.")
        view = _View(chunk, self._chunks, self.params, self._county, self._months)
        for file in self._files:
            rng = self._rng(file.schema.source, self._chunks)
            rows = _BUILDERS[file.schema.source](view, rng)
            file.add(rows, rng, months=self._months, province=self.params.county_code[:2], index=self._chunks)
        self._chunks += 1

    def close(self) -> list[Path]:
        """Finish every file (totals, village rows, the XLSX archive) and return their paths, one per schema."""
        if self._closed:
            raise RuntimeError("The feed files are already closed.")
        self._closed = True
        return [f.close(self._rng(f.schema.source, self._chunks)) for f in self._files]

    def abort(self) -> None:
        """Stop and remove the files begun, after a failed run."""
        self._closed = True
        for file in self._files:
            file.discard()

    @property
    def defects(self) -> dict[str, dict[str, int]]:
        """Per source, how many rows carry each planted defect so far (a duplicate counts its copy)."""
        return {f.schema.source: dict(f.defects) for f in self._files}

"""The default assistance catalogue (DESIGN.md §3) and the default suggestions by risk type, as data.

The data migration loads these; a county edits them afterwards in the admin, so code never reads this module
to decide anything — it reads the MeasureType and RiskSuggestion rows.
"""

from typing import NamedTuple


class TypeDefault(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    kind: str  # a MeasureKind value
    note: str


# Development (开发式) measures are the ones that build the household's own earning power. 产业 and 就业 are the
# two DESIGN.md names; 金融 counts too because 脱贫人口小额信贷 may only be lent for production and business,
# and 公益岗位 counts because it is a paid job that the national system files under 就业帮扶. Everything else
# secures living conditions or removes a cost, so it is protection (保障性) however useful it is.
MEASURE_TYPES: list[TypeDefault] = [
    TypeDefault(
        "industry", "产业", "industry", "development", "产业帮扶: builds the household's own income."
    ),
    TypeDefault("employment", "就业", "employment", "development", "就业帮扶: work and training for wages."),
    TypeDefault(
        "microcredit",
        "金融",
        "microcredit (小额信贷)",
        "development",
        "小额信贷 may only be lent for production and business, so it counts as development.",
    ),
    TypeDefault(
        "public-welfare-job",
        "公益岗位",
        "public-welfare job",
        "development",
        "A paid job; the national system counts it under 就业帮扶, so it counts as development.",
    ),
    TypeDefault(
        "health", "健康", "health", "protection", "Medical assistance and insurance: removes a cost."
    ),
    TypeDefault(
        "compulsory-education",
        "义务教育",
        "compulsory education",
        "protection",
        "Keeps children in school (三保障); no income of its own.",
    ),
    TypeDefault(
        "other-education",
        "其他教育",
        "other education",
        "protection",
        "Grants for senior secondary, vocational and higher education (雨露计划); removes a cost.",
    ),
    TypeDefault(
        "protection", "综合保障", "comprehensive protection", "protection", "兜底: dibao, tekun, relief."
    ),
    TypeDefault("housing", "住房安全", "housing safety", "protection", "危房改造: secures housing (三保障)."),
    TypeDefault("water", "饮水安全", "drinking water safety", "protection", "Secures drinking water."),
    TypeDefault(
        "social-help", "社会帮扶", "social help", "protection", "Help from social forces and enterprises."
    ),
    TypeDefault("relocation", "搬迁", "relocation", "protection", "易地搬迁: secures living conditions."),
    TypeDefault(
        "living-conditions",
        "生产生活条件",
        "production and living conditions",
        "protection",
        "Improves conditions rather than earning power.",
    ),
    TypeDefault(
        "infrastructure", "基础设施", "infrastructure", "protection", "Village roads, power, networks."
    ),
]


class SuggestionDefault(NamedTuple):
    risk_code: str
    measure_type: str  # a TypeDefault.code
    advice_zh: str
    advice_en: str


SUGGESTIONS: list[SuggestionDefault] = [
    SuggestionDefault("01", "health", "医疗救助、参保资助", "health assistance and insurance top-up"),
    SuggestionDefault("02", "protection", "临时救助、受灾救助", "temporary and disaster relief"),
    SuggestionDefault("02", "housing", "灾损住房维修加固", "repair of damaged housing"),
    SuggestionDefault("03", "protection", "残疾人两项补贴、兜底保障", "disability allowances and protection"),
    SuggestionDefault("03", "health", "康复服务、辅具适配", "rehabilitation and assistive devices"),
    SuggestionDefault("04", "protection", "低保、特困供养等兜底保障", "dibao, tekun and other protection"),
    SuggestionDefault("05", "health", "医疗救助", "health assistance"),
    SuggestionDefault("05", "protection", "临时救助", "temporary relief"),
    SuggestionDefault(
        "06", "industry", "产业项目扶持、技术指导", "support for a new project, technical advice"
    ),
    SuggestionDefault("06", "microcredit", "脱贫人口小额信贷", "microcredit for formerly poor households"),
    SuggestionDefault("07", "employment", "就业服务、技能培训、稳岗", "employment service and training"),
    SuggestionDefault("07", "public-welfare-job", "乡村公益岗位安置", "a village public-welfare job"),
    SuggestionDefault("09", "compulsory-education", "义务教育资助、控辍保学", "compulsory-education aid"),
    SuggestionDefault("09", "other-education", "雨露计划、助学金", "grants for further education (雨露计划)"),
]

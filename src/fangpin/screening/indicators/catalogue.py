"""The indicators rules may use: name, labels, unit, kind, how each is computed and what it reads.

Null means "no data" (no income record in the window, or no file of the feed at all); a household without any
event in a feed that was delivered gets 0 or false. The expressions are in stages.py and table.py.
"""

from fangpin.screening.indicators.base import Indicator, Kind, register

N, B, T = Kind.NUMBER, Kind.BOOLEAN, Kind.TEXT

INCOME_PC_12M = register(
    Indicator(
        "income_pc_12m",
        "近12个月家庭人均纯收入",
        "Net income per person, last 12 months",
        "yuan_per_person",
        N,
        "Wages + business + property + transfer income − production costs over the 12 months ending with the "
        "run's month (one record per month, the survey's if several), divided by resident members. Null without "
        "income records in the window or without resident members.",
        ("incomes", "members"),
    )
)
INCOME_PC_CHANGE_YOY = register(
    Indicator(
        "income_pc_change_yoy",
        "人均纯收入同比变化",
        "Change of income per person, year on year",
        "ratio",
        N,
        "Average monthly net income of the last 12 months over that of the 12 months before, minus 1 (−0.3 is a "
        "30 % drop). Null without records in either year or when last year's income was not positive.",
        ("incomes",),
    )
)
MEDICAL_OOP_12M = register(
    Indicator(
        "medical_oop_12m",
        "近12个月医疗自付费用",
        "Medical out-of-pocket costs, last 12 months",
        "yuan",
        N,
        "The larger of two measurements of the same spending, never their sum: out-of-pocket costs of hospital "
        "stays settled in the window (卫健/医保 feed) and self-paid medical costs in the income records. Null "
        "when neither is available.",
        ("health", "incomes"),
    )
)
MEDICAL_OOP_MAX_STAY = register(
    Indicator(
        "medical_oop_max_stay",
        "单次住院最高自付费用",
        "Largest out-of-pocket cost of one hospital stay",
        "yuan",
        N,
        "The largest out-of-pocket cost of one stay settled in the window; 0 without stays, null when the "
        "health feed has no file in the window.",
        ("health",),
    )
)
EDUCATION_COST_12M = register(
    Indicator(
        "education_cost_12m",
        "近12个月教育支出",
        "Schooling costs, last 12 months",
        "yuan",
        N,
        "Self-paid schooling costs (tuition and living costs) in the income records of the window. Null without "
        "income records in the window.",
        ("incomes",),
    )
)
CHILDREN_OUT_OF_SCHOOL = register(
    Indicator(
        "children_out_of_school",
        "义务教育阶段失学辍学儿童数",
        "Children aged 6–15 out of school",
        "count",
        N,
        "Members aged 6 to 15 on the run's date whose latest 控辍保学 row in the window says dropped out or "
        "suspended, or, without such a row, whom the registry lists as not in school.",
        ("members", "education_dropout"),
    )
)
MEMBERS_UNINSURED = register(
    Indicator(
        "members_uninsured",
        "未参加基本医疗保险人数",
        "Members without basic medical insurance",
        "count",
        N,
        "Members the registry lists as not insured (未参保).",
        ("members",),
    )
)
HOUSING_GRADE = register(
    Indicator(
        "housing_grade",
        "住房安全等级",
        "Housing safety grade",
        "grade",
        T,
        "A–D: the latest 住建 appraisal in the window (the worst grade if one day has several), otherwise the "
        "registry's grade. Null when neither has one.",
        ("households", "housing"),
    )
)
HOUSING_UNSAFE = register(
    Indicator(
        "housing_unsafe",
        "住房不安全（C/D级）",
        "Unsafe housing (grade C or D)",
        "",
        B,
        "True when the housing grade is C or D; null when the grade is unknown.",
        ("households", "housing"),
    )
)
WATER_UNSAFE = register(
    Indicator(
        "water_unsafe",
        "饮水不安全",
        "Drinking water not secure",
        "",
        B,
        "The latest drinking-water status in the window from the disaster feed (the household's own row, "
        "otherwise its village's) — unsafe or interrupted — and without one, the registry's flag.",
        ("households", "disaster"),
    )
)
HAS_DISABLED_MEMBER = register(
    Indicator(
        "has_disabled_member",
        "家中有残疾人",
        "Household has a disabled member",
        "",
        B,
        "True when at least one member is disabled in the registry or received a disability certificate in "
        "the window (残联 feed).",
        ("members", "disability"),
    )
)
DISABLED_MEMBERS = register(
    Indicator(
        "disabled_members",
        "残疾人数",
        "Disabled members",
        "count",
        N,
        "Members disabled in the registry or certified disabled in the window (残联 feed), each counted once.",
        ("members", "disability"),
    )
)
EARNER_DIED_OR_INJURED = register(
    Indicator(
        "earner_died_or_injured",
        "主要劳动力死亡或重伤残",
        "Death or serious injury of an earner",
        "",
        B,
        "A member with labour or of working age (16–64) died (公安 feed) or received a disability certificate "
        "(残联 feed) in the window. Null when neither feed has a file in the window.",
        ("members", "public_security", "disability"),
    )
)
DISASTER_LOSS_RATIO = register(
    Indicator(
        "disaster_loss_ratio",
        "灾害损失占家庭纯收入比例",
        "Disaster loss relative to income",
        "ratio",
        N,
        "The household's direct disaster losses in the window over its net income of the same 12 months "
        "(village-level rows are not shared out). 0 without losses; null without the disaster feed, without "
        "income records or when net income is not positive.",
        ("disaster", "incomes"),
    )
)
RELIEF_NEWLY_GRANTED = register(
    Indicator(
        "relief_newly_granted",
        "新纳入低保、特困或临时救助",
        "Dibao, extreme-poverty support or temporary relief newly granted",
        "",
        B,
        "A 民政 row in the window for 低保, 特困 or 临时救助 with status 新增 (or no status). Null when the "
        "civil affairs feed has no file in the window.",
        ("civil_affairs",),
    )
)
JOB_LOSS_OR_UNPAID_WAGES = register(
    Indicator(
        "job_loss_or_unpaid_wages",
        "失业或欠薪事件数",
        "Unemployment registrations and unpaid wages",
        "count",
        N,
        "人社 rows in the window registering a member as unemployed or reporting wages owed to them. Null when "
        "the human resources feed has no file in the window.",
        ("human_resources",),
    )
)
LABOUR_COUNT = register(
    Indicator(
        "labour_count",
        "劳动力人数",
        "Members with labour capacity",
        "count",
        N,
        "Members with skilled, ordinary or weak/half labour capacity in the registry, living at home or away.",
        ("members",),
    )
)
DEPENDENCY_RATIO = register(
    Indicator(
        "dependency_ratio",
        "家庭抚养比",
        "Dependency ratio",
        "ratio",
        N,
        "Members under 16 or 65 and over per member aged 16–64, on the run's date. Null when no member is of "
        "working age (test labour_count for those households).",
        ("members",),
    )
)
MICROCREDIT_ARREARS = register(
    Indicator(
        "microcredit_arrears",
        "小额信贷逾期金额",
        "Microcredit arrears",
        "yuan",
        N,
        "The largest overdue microcredit amount reported for the household in the window (金融 feed); 0 "
        "without arrears, null when the finance feed has no file in the window.",
        ("finance",),
    )
)
IS_MONITORED = register(
    Indicator(
        "is_monitored",
        "监测对象",
        "Monitored household",
        "",
        B,
        "The household is currently a monitored household (监测对象) in the registry.",
        ("households",),
    )
)
IS_FORMERLY_POOR = register(
    Indicator(
        "is_formerly_poor",
        "脱贫户",
        "Formerly poor household",
        "",
        B,
        "The household was registered poor and has exited poverty (脱贫户).",
        ("households",),
    )
)
RESIDENT_MEMBERS = register(
    Indicator(
        "resident_members",
        "常住人口数",
        "Resident members",
        "count",
        N,
        "Members living in the household (the denominator of income per person).",
        ("members",),
    )
)

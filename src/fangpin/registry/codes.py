"""Code lists of the national collection form (《防止返贫监测对象信息采集表》) and its Excel exports.

Stored values are the national Chinese labels themselves, so an export needs no translation table and a
county's existing data loads unchanged; the English is the display label in the English interface.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MonitoringStatus(models.TextChoices):
    NORMAL = "normal", _("not monitored")
    MONITORED = "monitored", _("monitored")
    ELIMINATED = "eliminated", _("risk eliminated")
    LEFT = "left", _("left the county")


class Relation(models.TextChoices):
    HEAD = "户主", _("head of household")
    SPOUSE = "配偶", _("spouse")
    CHILD = "子女", _("child")
    CHILD_IN_LAW = "儿媳/女婿", _("child-in-law")
    GRANDCHILD = "孙子女", _("grandchild")
    PARENT = "父母", pgettext_lazy("relation", "parent")
    GRANDPARENT = "祖父母", _("grandparent")
    SIBLING = "兄弟姐妹", _("sibling")
    OTHER = "其他", _("other")


class Sex(models.TextChoices):
    MALE = "男", _("male")
    FEMALE = "女", _("female")


class Education(models.TextChoices):
    ILLITERATE = "文盲或半文盲", _("illiterate or semi-literate")
    PRIMARY = "小学", _("primary school")
    JUNIOR = "初中", _("junior secondary")
    SENIOR = "高中", _("senior secondary")
    COLLEGE = "大专", _("junior college")
    BACHELOR_PLUS = "本科及以上", _("bachelor or above")


class SchoolStatus(models.TextChoices):
    PRESCHOOL_CHILD = "学龄前儿童", _("pre-school child")
    PRESCHOOL = "学前教育", _("in pre-school education")
    PRIMARY = "小学", _("in primary school")
    JUNIOR = "初中", _("in junior secondary")
    SENIOR = "高中", _("in senior secondary")
    VOCATIONAL_SECONDARY = "中职", _("in secondary vocational school")
    VOCATIONAL_HIGHER = "高职", _("in higher vocational school")
    COLLEGE = "大专", _("in junior college")
    BACHELOR = "本科", _("in undergraduate study")
    MASTER_PLUS = "硕士生及以上", _("in graduate study")
    NOT_IN_SCHOOL = "非在校生", _("not in school")


class Health(models.TextChoices):
    HEALTHY = "健康", _("healthy")
    CHRONIC = "长期慢性病", _("long-term chronic illness")
    SERIOUS = "患有大病", _("serious illness")
    DISABLED = "残疾", _("disabled")


class LabourSkill(models.TextChoices):
    SKILLED = "技能劳动力", _("skilled labour")
    ORDINARY = "普通劳动力", _("ordinary labour")
    WEAK = "弱劳动力或半劳动力", _("weak or half labour")
    LOST = "丧失劳动力", _("lost labour capacity")
    NONE = "无劳动力", _("no labour capacity")


# Members with these skills count as labour (劳动力) for "a household with labour gets a development measure".
LABOUR_SKILLS = frozenset({LabourSkill.SKILLED, LabourSkill.ORDINARY, LabourSkill.WEAK})


class MedicalInsurance(models.TextChoices):
    RESIDENT = "城乡居民", _("urban and rural residents' scheme")
    EMPLOYEE = "职工", _("employees' scheme")
    NONE = "未参保", _("not insured")


class HousingGrade(models.TextChoices):
    """住房安全性鉴定 grades: A and B are safe, C and D are not (三保障: safe housing)."""

    A = "A", _("A (safe)")
    B = "B", _("B (basically safe)")
    C = "C", _("C (partly dangerous)")
    D = "D", _("D (dangerous)")


SAFE_HOUSING_GRADES = frozenset({HousingGrade.A, HousingGrade.B})


class RiskType(models.TextChoices):
    """National risk codes (致贫/返贫风险); a monitored household carries up to five."""

    ILLNESS = "01", _("illness (因病)")
    DISASTER = "02", _("natural disaster (因自然灾害)")
    FLOOD = "0201", _("flood (洪涝)")
    GEOLOGICAL = "0202", _("geological disaster (地质灾害)")
    DROUGHT = "0203", _("drought (干旱)")
    BIOLOGICAL = "0204", _("biological disaster (生物灾害)")
    METEOROLOGICAL = "0205", _("meteorological disaster (气象灾害)")
    EARTHQUAKE = "0206", _("earthquake (地震)")
    DISASTER_OTHER = "0299", _("other natural disaster")
    DISABILITY = "03", _("disability (因残)")
    LACK_OF_LABOUR = "04", _("lack of labour (因缺劳动力)")
    ACCIDENT = "05", _("accident (因意外事故)")
    BUSINESS_FAILURE = "06", _("business or project failure (因产业项目失败)")
    UNSTABLE_EMPLOYMENT = "07", _("unstable employment (因务工就业不稳)")
    EDUCATION = "09", _("education costs (因学)")
    OTHER = "99", _("other (其他)")


MAX_RISKS = 5


class EliminationMethod(models.TextChoices):
    BY_ASSISTANCE = "帮扶消除", _("eliminated by assistance")
    NATURAL = "自然消除", _("eliminated naturally")


class IncomeSource(models.TextChoices):
    SURVEY = "survey", _("household survey")
    FEED = "feed", _("department feed")
    ESTIMATE = "estimate", _("estimate")
    SIMULATION = "simulation", _("simulated")

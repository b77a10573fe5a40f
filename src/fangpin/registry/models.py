"""The registry: one file per household (户), its members (家庭成员) and its income (收入)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from fangpin.registry.codes import (
    Education,
    EliminationMethod,
    Health,
    HousingGrade,
    IncomeSource,
    LabourSkill,
    MedicalInsurance,
    MonitoringStatus,
    Relation,
    SchoolStatus,
    Sex,
)

MONEY = {"max_digits": 12, "decimal_places": 2, "default": 0}


class Category(models.Model):
    """监测对象类别. A configuration table, not code: since 2026 the three categories are being unified as
    防止返贫致贫对象 and aligned with rural low-income people, and counties switch when their province does."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("monitoring category")
        verbose_name_plural = _("monitoring categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Household(models.Model):
    number = models.CharField(_("household number (户编号)"), max_length=32, unique=True)
    village = models.ForeignKey(
        "divisions.Division", verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("monitoring status"),
        max_length=16,
        choices=MonitoringStatus.choices,
        default=MonitoringStatus.NORMAL,
    )
    category = models.ForeignKey(
        Category, verbose_name=_("monitoring category"), null=True, blank=True, on_delete=models.PROTECT
    )
    risk_codes = models.JSONField(_("risk types"), default=list, blank=True)
    identified_on = models.DateField(_("identified as monitored"), null=True, blank=True)
    eliminated_on = models.DateField(_("risk eliminated"), null=True, blank=True)
    elimination_method = models.CharField(
        _("elimination method"), max_length=8, choices=EliminationMethod.choices, blank=True
    )
    is_formerly_poor = models.BooleanField(_("formerly poor (脱贫户)"), default=False)
    poverty_exit_year = models.PositiveSmallIntegerField(
        _("year out of poverty"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2014), MaxValueValidator(2020)],
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("helper (帮扶责任人)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helped_households",
    )
    housing_grade = models.CharField(
        _("housing safety grade"), max_length=1, choices=HousingGrade.choices, blank=True
    )
    has_safe_water = models.BooleanField(_("safe drinking water"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["village", "number"]), models.Index(fields=["status", "village"])]

    def __str__(self) -> str:
        return self.number


class Member(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=40, db_index=True)
    # The ID number is never stored in clear: encrypted for the audited "show", a keyed hash for matching,
    # and the masked form for display, so lists never need to decrypt anything.
    id_number_encrypted = models.BinaryField(_("ID number (encrypted)"))
    id_number_hash = models.CharField(_("ID number keyed hash"), max_length=64, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    relation = models.CharField(_("relation to head"), max_length=8, choices=Relation.choices)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    education = models.CharField(_("education"), max_length=8, choices=Education.choices, blank=True)
    school_status = models.CharField(
        _("school status"), max_length=8, choices=SchoolStatus.choices, blank=True
    )
    health = models.CharField(_("health"), max_length=8, choices=Health.choices, default=Health.HEALTHY)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    labour_skill = models.CharField(_("labour skill"), max_length=12, choices=LabourSkill.choices)
    medical_insurance = models.CharField(
        _("basic medical insurance"),
        max_length=8,
        choices=MedicalInsurance.choices,
        default=MedicalInsurance.RESIDENT,
    )
    months_employed = models.PositiveSmallIntegerField(
        _("months in work this year"), default=0, validators=[MaxValueValidator(12)]
    )
    is_resident = models.BooleanField(_("lives in the household"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["id_number_encrypted"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.name


class IncomeRecord(models.Model):
    """One household's income for one month, by component (the national form's 收入 fields).

    Components are columns rather than one row per component: the arithmetic of a record is then checkable
    within the row, and a 12-month panel is 12 rows per household instead of 60.
    """

    # No index of its own: the unique (household, period, source) constraint serves look-ups by household.
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="incomes",
        db_index=False,
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month the amounts belong to."))
    source = models.CharField(
        _("source"), max_length=12, choices=IncomeSource.choices, default=IncomeSource.SURVEY
    )
    wage_income = models.DecimalField(_("wage income (工资性收入)"), **MONEY)
    business_income = models.DecimalField(_("production and business income (生产经营性收入)"), **MONEY)
    property_income = models.DecimalField(_("property income (财产性收入)"), **MONEY)
    transfer_income = models.DecimalField(_("transfer income (转移性收入)"), **MONEY)
    production_cost = models.DecimalField(_("production costs (生产经营性支出)"), **MONEY)
    # Recorded beside income, not inside it: identification weighs rigid expenses and claims separately.
    medical_self_paid = models.DecimalField(_("compliant medical self-payment (合规自付医疗)"), **MONEY)
    schooling_self_paid = models.DecimalField(_("schooling self-payment"), **MONEY)
    claims_income = models.DecimalField(_("insurance claims (理赔收入)"), **MONEY)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("income record")
        verbose_name_plural = _("income records")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "period", "source"], name="income_one_per_month_and_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period:%Y-%m} {self.source}"

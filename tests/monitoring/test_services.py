from decimal import Decimal

import pytest

from fangpin.accounts.roles import Role
from fangpin.audit.models import AuditEvent
from fangpin.core.errors import PermissionDenied, ValidationError
from fangpin.monitoring.models import MonitoringLine
from fangpin.monitoring.selectors import monitoring_line_for
from fangpin.monitoring.services import monitoring_line_save


@pytest.mark.django_db
def test_the_county_sets_its_provinces_line_and_screening_then_uses_it(users):
    monitoring_line_save(actor=users[Role.COUNTY], province_code="45", year=2025, amount=Decimal("8700"))
    assert monitoring_line_for(province_code="45", year=2026).amount == Decimal("8700")
    assert monitoring_line_for(province_code="46", year=2026).amount == Decimal("6000")  # national reference
    assert AuditEvent.objects.filter(action="monitoring_line.save").count() == 1


@pytest.mark.django_db
def test_correcting_a_years_line_updates_that_row_and_audits_the_old_amount(users):
    county = users[Role.COUNTY]
    monitoring_line_save(actor=county, province_code="45", year=2025, amount=Decimal("8070"))
    monitoring_line_save(actor=county, province_code="45", year=2025, amount=Decimal("8700"), note="typo")
    assert MonitoringLine.objects.filter(province_code="45").count() == 1
    event = AuditEvent.objects.filter(action="monitoring_line.save").order_by("-id").first()
    assert event.data["before"] == "8070.00"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.TOWNSHIP, Role.VILLAGE, Role.ANALYST, Role.DEPARTMENT])
def test_only_the_county_bureau_sets_the_line(users, role):
    with pytest.raises(PermissionDenied, match="Only the county bureau"):
        monitoring_line_save(actor=users[role], province_code="45", year=2025, amount=Decimal("8700"))
    assert not MonitoringLine.objects.filter(province_code="45").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("province", "year", "amount", "message"),
    [
        ("00", 2025, "8700", "its own province"),
        ("46", 2025, "8700", "its own province"),
        ("45", 2019, "8700", "between 2020 and 2100"),
        ("45", 2025, "0", "between 1 and 99,999"),
        ("45", 2025, "120000", "between 1 and 99,999"),
    ],
)
def test_a_line_for_another_province_or_out_of_range_is_refused(users, province, year, amount, message):
    with pytest.raises(ValidationError, match=message):
        monitoring_line_save(
            actor=users[Role.COUNTY], province_code=province, year=year, amount=Decimal(amount)
        )
    assert MonitoringLine.objects.count() == 1  # only the national reference of the migration


@pytest.mark.django_db
def test_the_line_page_lists_the_lines_and_saves_a_new_one(client, users):
    client.force_login(users[Role.COUNTY])
    page = client.get("/screening/lines/")
    assert page.status_code == 200 and "6000" in page.content.decode().replace(",", "")
    response = client.post("/screening/lines/", {"year": "2026", "amount": "9000", "note": "省定标准"})
    assert response.status_code == 302
    assert MonitoringLine.objects.get(province_code="45", year=2026).amount == Decimal("9000")


@pytest.mark.django_db
def test_the_line_page_is_forbidden_to_a_village_cadre(client, users):
    client.force_login(users[Role.VILLAGE])
    assert client.get("/screening/lines/").status_code == 403

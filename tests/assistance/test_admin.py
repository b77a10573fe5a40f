"""Staff edit the catalogue and the suggestions by risk type in the admin; each change is audited."""

import pytest
from django.urls import reverse

from fangpin.accounts.roles import Role
from fangpin.assistance import selectors
from fangpin.assistance.models import MeasureType, RiskSuggestion
from fangpin.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_add_a_suggestion_in_the_admin_and_it_is_suggested_at_once(client, county):
    admin = UserFactory(
        username="boss", role=Role.COUNTY, division=county.county, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    water = MeasureType.objects.get(code="water")
    assert client.get(reverse("admin:assistance_risksuggestion_changelist")).status_code == 200
    response = client.post(
        reverse("admin:assistance_risksuggestion_add"),
        {
            "risk_code": "0203",
            "measure_type": water.pk,
            "advice_zh": "抗旱应急供水",
            "advice_en": "emergency water",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    suggestion = RiskSuggestion.objects.get(risk_code="0203")
    assert suggestion in selectors.suggestions_for(risk_codes=["0203"])
    assert suggestion not in selectors.suggestions_for(risk_codes=["0201"])
    assert AuditEvent.objects.filter(action="admin.add", object_id=str(suggestion.pk)).exists()

from decimal import Decimal

from fangpin.registry.income import IncomeComponents, income_per_person


def test_net_income_subtracts_production_costs_and_divides_by_residents():
    c = IncomeComponents(
        wage_income=Decimal("24000"),
        business_income=Decimal("6000"),
        property_income=Decimal("300"),
        transfer_income=Decimal("1700"),
        production_cost=Decimal("2000"),
    )
    assert c.net == Decimal("30000")
    assert income_per_person(c, residents=3) == Decimal("10000.00")
    assert income_per_person(c, residents=7) == Decimal("4285.71")


def test_a_household_with_nobody_resident_has_no_income_per_person():
    assert income_per_person(IncomeComponents(), residents=0) is None

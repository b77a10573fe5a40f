import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangpin.audit.models import AuditEvent
from fangpin.core.errors import FileRejected
from fangpin.divisions.models import Division
from fangpin.divisions.services import divisions_upsert, read_divisions_csv

GOOD = """code,name,level
450123000000,安宁县,county
450123100000,城关镇,township
450123100201,东岭村,village
450123100202,西岭村,village
"""


def _write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "divisions.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_a_county_tree_loads_from_csv_with_parents_and_levels(db, tmp_path):
    rows = read_divisions_csv(_write(tmp_path, GOOD, encoding="utf-8-sig"))
    assert divisions_upsert(actor="test", rows=rows, source="test") == 4
    village = Division.objects.get(code="450123100201")
    assert village.level == "village" and village.parent_id == "450123100000"
    assert (
        Division.objects.get(code="450123000000").parent is None
    )  # province not loaded: the county is the top
    assert AuditEvent.objects.filter(action="divisions.load").count() == 1


@pytest.mark.parametrize(
    ("bad_line", "column", "reason"),
    [
        ("45012310020,短码村,village", "code", "12 digits"),
        ("450123100201,重复村,village", "code", "already appears on row 4"),
        ("450123100203,,village", "name", "empty"),
        ("450123100203,错级村,township", "level", "is a village"),
        ("450123102201,孤儿村,village", "code", "neither in the file nor loaded"),
    ],
)
def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_saved(
    db, tmp_path, bad_line, column, reason
):
    path = _write(tmp_path, GOOD + bad_line + "\n")
    with pytest.raises(FileRejected) as excinfo:
        read_divisions_csv(path)
    [error] = excinfo.value.errors
    assert (error.row, error.column) == (6, column)
    assert reason in error.message
    assert not Division.objects.exists()


def test_the_command_names_the_problem_and_loads_nothing(db, tmp_path):
    path = _write(tmp_path, GOOD + "4501231002AB,坏码村,village\n")
    with pytest.raises(CommandError, match="row 6, column code"):
        call_command("load_divisions", str(path))
    assert not Division.objects.exists()


def test_the_command_loads_a_good_file(db, tmp_path):
    call_command("load_divisions", str(_write(tmp_path, GOOD)))
    assert Division.objects.count() == 4


def test_a_file_without_the_required_header_is_refused(db, tmp_path):
    with pytest.raises(FileRejected, match="no code column"):
        read_divisions_csv(_write(tmp_path, "编码,名称\n450123000000,安宁县\n"))


def test_a_non_utf8_file_is_refused_by_the_command_with_a_message(db, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(GOOD.encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load_divisions", str(path))
    assert not Division.objects.exists()

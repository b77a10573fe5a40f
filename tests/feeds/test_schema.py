import pydantic
import pytest
from django.utils import translation

from fangpin.core.errors import ValidationError
from fangpin.feeds.schema import ColumnType, default_schemas, load_schema, normalize_header


def schema_dict(**changes):
    base = {
        "source": "health",
        "department": "卫健",
        "name_zh": "住院",
        "name_en": "Hospital stays",
        "version": 1,
        "period_column": "admission_date",
        "key": ["id_number", "admission_date"],
        "match": {"id_number": "id_number", "name": "name"},
        "columns": [
            {"name": "id_number", "label_zh": "身份证号", "label_en": "ID number", "type": "id_number",
             "required": True, "aliases": ["身份证号码"]},
            {"name": "name", "label_zh": "姓名", "label_en": "Name", "type": "text", "required": True},
            {"name": "admission_date", "label_zh": "入院日期", "label_en": "Admission date", "type": "date",
             "not_future": True},
            {"name": "cost", "label_zh": "总费用", "label_en": "Cost", "type": "amount", "min": 0},
            {"name": "scheme", "label_zh": "险种", "label_en": "Scheme", "type": "code",
             "codes": {"居民医保": "城乡居民", "城乡居民": "城乡居民"}},
        ],
    }  # fmt: skip
    base.update(changes)
    return base


def test_a_valid_schema_loads_from_a_mapping_and_from_yaml():
    schema = load_schema(schema_dict())
    assert schema.column("cost").type is ColumnType.AMOUNT
    yaml_text = "source: x\ndepartment: d\nname_zh: 甲\nname_en: A\nversion: 2\nperiod_column: d\nkey: [d]\n"
    yaml_text += "match: {id_number: i}\ncolumns:\n"
    yaml_text += "  - {name: i, label_zh: 身份证号, label_en: ID, type: id_number}\n"
    yaml_text += "  - {name: d, label_zh: 日期, label_en: Date, type: month}\n"
    assert load_schema(yaml_text).version == 2


def test_an_unknown_column_type_is_reported_with_its_path_and_the_allowed_types():
    data = schema_dict()
    data["columns"][3]["type"] = "money"
    with pytest.raises(ValidationError) as error:
        load_schema(data)
    assert error.value.field == "columns[3].type"
    assert "columns[3].type: 'money' is not one of 'text', 'id_number'" in error.value.message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_column": "nope"}, "period_column 'nope' is not a column"),
        ({"period_column": "name"}, "must be a date or month column"),
        ({"key": ["id_number", "ghost"]}, "key columns are not columns: ghost"),
        ({"key": []}, "key: Tuple should have at least 1 item"),
        ({"match": {"id_number": "ghost"}}, "match columns are not columns: ghost"),
        ({"match": {"name": "name"}}, "match needs id_number, village_code or village_name"),
        ({"columns": []}, "columns: Tuple should have at least 1 item"),
        ({"version": 0}, "version: Input should be greater than or equal to 1"),
        ({"source": "Health Bureau"}, "is not a slug"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_inconsistent_schemas_are_refused_with_the_reason(changes, message):
    with pytest.raises(ValidationError, match=message):
        load_schema(schema_dict(**changes))


def test_repeated_column_names_are_refused():
    data = schema_dict()
    data["columns"].append(dict(data["columns"][1], label_zh="别名", label_en="Alias"))
    with pytest.raises(ValidationError, match="column names repeat: name"):
        load_schema(data)


def test_a_header_spelling_shared_by_two_columns_is_refused_even_when_written_differently():
    data = schema_dict()
    data["columns"][1]["aliases"] = ["身份证 号码"]  # the same as id_number's alias once spaces are ignored
    with pytest.raises(ValidationError, match="used by both id_number and name"):
        load_schema(data)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"type": "code"}, "a code column needs its list of codes"),
        ({"type": "text", "codes": ["a"]}, "codes are only for code columns"),
        ({"type": "text", "not_future": True}, "not_future is only for date and month columns"),
        ({"type": "date", "min": 1}, "min and max are only for amount and integer columns"),
        ({"type": "integer", "min": 5, "max": 1}, "min 5 is greater than max 1"),
        ({"type": "text", "name": "Bad Name"}, "is not a snake_case identifier"),
    ],
)
def test_column_options_must_fit_the_column_type(column, message):
    data = schema_dict()
    data["columns"].append({"name": "extra", "label_zh": "额外", "label_en": "Extra", **column})
    with pytest.raises(ValidationError, match=message):
        load_schema(data)


def test_text_that_is_not_yaml_or_not_a_mapping_is_a_validation_error():
    with pytest.raises(ValidationError, match="not valid YAML"):
        load_schema("source: [unclosed")
    with pytest.raises(ValidationError, match="a schema is a mapping"):
        load_schema("- just\n- a list\n")


def test_a_loaded_schema_is_frozen():
    schema = load_schema(schema_dict())
    with pytest.raises(pydantic.ValidationError):
        schema.version = 3


def test_a_code_map_accepts_every_spelling_and_each_canonical_code():
    assert load_schema(schema_dict()).column("scheme").code_map() == {
        "城乡居民": "城乡居民",
        "居民医保": "城乡居民",
    }


def test_header_comparison_ignores_width_case_spaces_and_required_marks():
    assert normalize_header("*身份证　号码：") == normalize_header("身份证号码")
    assert normalize_header("ＩＤ_Number") == normalize_header("id number")
    assert normalize_header("金额（元）") == normalize_header("金额(元)")
    assert normalize_header("金额（万元）") != normalize_header("金额（元）")


def test_a_column_label_follows_the_active_language():
    column = load_schema(schema_dict()).column("name")
    assert column.label() == "Name"
    with translation.override("zh-hans"):
        assert column.label() == "姓名"


def test_the_shipped_schemas_cover_every_department_of_the_issue():
    sources = {schema.source for schema in default_schemas()}
    assert {
        "education_dropout",
        "education_aid",
        "health",
        "civil_affairs",
        "public_security",
        "disability",
        "human_resources",
        "housing",
        "disaster",
        "finance",
    } <= sources


@pytest.mark.parametrize("schema", default_schemas(), ids=lambda s: s.source)
def test_every_shipped_schema_has_an_id_number_a_name_and_a_dated_period(schema):
    names = {c.name: c for c in schema.columns}
    assert schema.version == 1
    assert names["id_number"].type is ColumnType.ID_NUMBER
    assert names["name"].type is ColumnType.TEXT
    assert names[schema.period_column].type in (ColumnType.DATE, ColumnType.MONTH)
    assert names[schema.period_column].required
    # Only village-level disaster rows may lack a person.
    assert names["id_number"].required == (schema.source != "disaster")
    assert schema.match.id_number == "id_number"


def test_disaster_types_are_02xx_codes_that_also_accept_the_names():
    disaster = next(s for s in default_schemas() if s.source == "disaster")
    codes = disaster.column("disaster_type").code_map()
    assert set(codes.values()) <= {f"02{n:02d}" for n in range(1, 100)}
    assert codes["洪涝"] == "0201"

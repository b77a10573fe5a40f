"""English pages keep Chinese conventions for dates and times (2026-11-26, 15:05): the same figures a
county's Chinese documents show, whichever language a reader picks."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1

"""Data-quality checks (数据质量校验): the rules of default.yaml, in the screening rule language, over a table of
registry, member, income, assistance and deadline facts per household; runs, fix lists and their history."""

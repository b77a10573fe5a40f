"""Department data feeds (部门数据): reading the files departments send, mapping and validating their rows."""

"""Reading and writing the national monitoring system's Excel exports (全国防返贫监测信息系统): layout.py says
what the columns are, export.py writes the registry in that layout, importer.py loads such a file."""

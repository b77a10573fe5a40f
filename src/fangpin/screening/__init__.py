"""Screening (筛查预警): indicators over the Parquet store, versioned rule sets, and the runs that raise alerts."""

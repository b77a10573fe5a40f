"""The JSON shape every benchmark writes: {"bench", "params", "results", "ratios"} plus the machine it ran on."""

import json
import os
import platform
from pathlib import Path
from typing import Any


def write_report(
    *, bench: str, params: dict[str, Any], results: dict[str, Any], ratios: dict[str, float], out: Path
) -> dict[str, Any]:
    report = {
        "bench": bench,
        "params": params,
        "results": results,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report

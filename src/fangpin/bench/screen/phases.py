"""Where a screening run's time goes: the cumulative time of its phases, from a profile of one `fangpin screen`.

`python -m fangpin.bench.screen.phases PROFILE` prints {phase: seconds}. The profiler slows Python code more than
DuckDB's, so the figures show proportions rather than the run's own time.
"""

import json
import pstats
import sys

# (module path suffix, function) → phase; a phase absent from the profile is left out.
PHASES = {
    ("screening/services.py", "_execute"): "run (under the profiler)",
    ("registry/snapshot.py", "current_snapshot_dir"): "find the snapshot",
    ("screening/inputs.py", "feed_files"): "list the feed files",
    ("screening/engine.py", "load_inputs"): "open the inputs",
    ("screening/indicators/table.py", "indicator_table"): "build the indicator expression",
    ("screening/rules/compiler.py", "compile_rule_set"): "compile the rules",
    ("screening/engine.py", "to_arrow"): "execute on the engine (count and flagged rows)",
    ("screening/hits.py", "hits_table"): "hits and their evidence (DuckDB over the flagged rows)",
    ("screening/services.py", "_flagged_counts"): "counts per township",
    ("alerts/refresh.py", "alerts_refresh_from_screening"): "write the alerts",
    ("screening/services.py", "_finish"): "record the run",
}


def phases(profile: str) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        for (suffix, name), phase in PHASES.items():
            if function == name and filename.replace("\\", "/").endswith(suffix):
                found[phase] = found.get(phase, 0.0) + cumulative
    return {phase: round(found[phase], 3) for phase in PHASES.values() if phase in found}


if __name__ == "__main__":
    sys.stdout.write(json.dumps(phases(sys.argv[1]), ensure_ascii=False))

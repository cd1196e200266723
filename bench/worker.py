"""One measurement in a fresh process: ``python bench/worker.py TASK SPEC.json RESULT.json``.

Run by bench/run.py, which sets the environment (ARGOS_PACKAGES_DIR, isolated XDG folders) and
reads the process's peak RSS from os.wait4. Not meant to be run by hand.
"""

import json
import resource
import sys

from arms import TASKS


def main() -> None:
    task, spec_file, result_file = sys.argv[1:4]
    with open(spec_file, encoding="utf-8") as f:
        spec = json.load(f)
    result = TASKS[task](spec)
    result["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)


if __name__ == "__main__":
    main()

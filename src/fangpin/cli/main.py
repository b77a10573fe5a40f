"""The `fangpin` command: `demo`, `simulate`, `bench`, `audit` and every other Django management command
(`fangpin migrate`, `fangpin createsuperuser`) share one entry point."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangpin.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fangpin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

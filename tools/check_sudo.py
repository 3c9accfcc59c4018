"""Each ``sudo()`` of the add-on's code says why, in a ``# sudo:`` comment on
its line or one of the three lines above it (a named helper such as
``_flow_write`` says it once, in its docstring).

Usage: ``python3 tools/check_sudo.py [FILE...]``; without files, every Python
file of the add-on but its tests, tools and benchmarks.  Prints each
``sudo()`` without a reason and exits 1 if there is one.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP = ("tests/", "tools/", "bench/", "migrations/", ".venv/")
SUDO = re.compile(r"\bsudo\(\)")
REASON = "# sudo:"


def unexplained(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if SUDO.search(line) and not any(
            REASON in above for above in lines[max(0, number - 4) : number]
        ):
            yield number, line.strip()


def main(argv):
    if argv:
        paths = [pathlib.Path(arg).resolve() for arg in argv]
    else:
        paths = sorted(ROOT.rglob("*.py"))
    found = 0
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(SKIP):
            continue
        for number, line in unexplained(path):
            print(f"{relative}:{number}: sudo() without a reason: {line}")
            found += 1
    if found:
        print(f"{found} sudo() without a '{REASON}' comment (see tools/check_sudo.py)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

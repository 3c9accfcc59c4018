"""README.rst and static/description/index.html from the readme/ fragments.

As OCA's add-ons have them: the wheel's description is README.rst, Odoo's
Apps page shows static/description/index.html. Both are made from the
manifest and readme/DESCRIPTION, USAGE, CONFIGURE, HISTORY and CONTRIBUTORS
(Markdown: paragraphs, lists, headings, emphasis, code and links), so the
fragments are the one place to write them.

    python3 tools/gen_readme.py           # write both files
    python3 tools/gen_readme.py --check   # non-zero when they are stale
"""

import argparse
import ast
import re
import sys
from pathlib import Path

from docutils.core import publish_string

ROOT = Path(__file__).resolve().parent.parent
HEADER = ".. This file is made by tools/gen_readme.py from readme/: edit those."
SECTIONS = (
    ("DESCRIPTION", None),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("HISTORY", "Changelog"),
)
CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
# [text](target), the text possibly over two lines.
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
UNDERLINES = {1: "-", 2: "-", 3: "~"}


def manifest():
    return ast.literal_eval((ROOT / "__manifest__.py").read_text(encoding="utf-8"))


def inline(text, website):
    def link(match):
        label, target = match.groups()
        if "://" not in target:
            target = f"{website}/blob/18.0/{target.lstrip('./')}"
        return f"`{label} <{target}>`__"

    return LINK.sub(link, CODE.sub(r"``\1``", text))


def markdown_to_rst(text, website):
    """The Markdown the fragments use, as reStructuredText."""
    out = []
    for line in text.strip().splitlines():
        heading = re.match(r"^(#{1,3}) (.*)$", line)
        if heading:
            title = heading.group(2)
            level = len(heading.group(1))
            out += ["", title, UNDERLINES[level] * len(title), ""]
        else:
            out.append(line)
    return inline("\n".join(out), website).strip() + "\n"


def title_block(title):
    bar = "=" * len(title)
    return f"{bar}\n{title}\n{bar}\n"


def build_rst():
    info = manifest()
    website = info["website"]
    fragments = {
        name: (ROOT / "readme" / f"{name}.md").read_text(encoding="utf-8")
        for name in ("DESCRIPTION", "USAGE", "CONFIGURE", "HISTORY", "CONTRIBUTORS")
    }
    parts = [
        title_block(info["name"]),
        HEADER + "\n",
        f"*{info['summary']}* · version {info['version']} · {info['license']}\n",
    ]
    for name, heading in SECTIONS:
        body = markdown_to_rst(fragments[name], website)
        if heading is None:
            parts += [body, "**Table of contents**\n", ".. contents::\n   :local:\n"]
        else:
            parts += [f"{heading}\n{'=' * len(heading)}\n", body]
    parts += [
        "Bug Tracker\n===========\n",
        f"Bugs are tracked on `GitHub Issues <{website}/issues>`__. The manual, a\n"
        f"guide per role, is in `docs/ <{website}/tree/18.0/docs>`__.\n",
        "Credits\n=======\n",
        "Authors\n-------\n",
        f"* {info['author']}\n",
        "Contributors\n------------\n",
        markdown_to_rst(fragments["CONTRIBUTORS"], website),
    ]
    return "\n".join(parts)


def build_html(rst):
    html = publish_string(
        rst,
        writer_name="html5",
        settings_overrides={
            "output_encoding": "unicode",
            "report_level": 2,
            "halt_level": 2,
            "embed_stylesheet": True,
        },
    )
    # The generator's version is not the add-on's business.
    return re.sub(r'<meta name="generator"[^>]*>\n', "", html)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    rst = build_rst()
    outputs = {
        ROOT / "README.rst": rst,
        ROOT / "static" / "description" / "index.html": build_html(rst),
    }
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        names = ", ".join(map(str, stale))
        print(f"{names}: stale; run python3 tools/gen_readme.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

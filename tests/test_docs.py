"""The overview and the manual hold together: every relative link of
README.md and docs/ leads to a file of the checkout, and every `make`
command README.md's code blocks show is a target of the Makefile."""

import re
from pathlib import Path

from odoo.tests import BaseCase, tagged

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@tagged("post_install", "-at_install")
class TestDocs(BaseCase):
    def _pages(self):
        return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

    def test_relative_links_resolve(self):
        checked = 0
        for page in self._pages():
            for target in LINK.findall(page.read_text(encoding="utf-8")):
                if "://" in target or target.startswith("mailto:"):
                    continue
                with self.subTest(page=page.name, link=target):
                    self.assertTrue(
                        (page.parent / target).resolve().exists(),
                        f"{page.name} links to {target}, which is not there",
                    )
                checked += 1
        self.assertGreater(checked, 10)

    def test_readme_commands_are_targets(self):
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        blocks = re.findall(r"^```sh\n(.*?)^```$", readme, re.M | re.S)
        commands = [
            line.split("#")[0].split()
            for block in blocks
            for line in block.splitlines()
            if line.strip()
        ]
        self.assertTrue(commands)
        for words in commands:
            with self.subTest(command=" ".join(words)):
                self.assertEqual(words[0], "make")
                self.assertIn(words[1], targets)

    def test_readme_is_an_overview(self):
        lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        self.assertLess(len(lines), 150)

"""The overview and the manual hold together: every relative link of
README.md and docs/ leads to a file of the checkout, every `make` command
README.md's code blocks show is a target of the Makefile, each role has its
guide, and README.rst and Odoo's description are made from readme/."""

import importlib.util
import re
from pathlib import Path

from odoo.tests import BaseCase, TransactionCase, tagged

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
ROLES = ("desk", "technician", "billing", "manager", "customer")


def gen_readme():
    spec = importlib.util.spec_from_file_location(
        "gen_readme", ROOT / "tools" / "gen_readme.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDocs(BaseCase):
    def _pages(self):
        return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

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

    def test_a_guide_per_role(self):
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        for role in ROLES:
            with self.subTest(role=role):
                guide = ROOT / "docs" / "guides" / f"{role}.md"
                self.assertTrue(guide.exists())
                self.assertIn(f"](docs/guides/{role}.md)", readme)
                self.assertIn("](../../README.md)", guide.read_text(encoding="utf-8"))

    def test_readme_rst_and_index_are_made_from_the_fragments(self):
        tool = gen_readme()
        rst = tool.build_rst()
        self.assertEqual(
            (ROOT / "README.rst").read_text(encoding="utf-8"),
            rst,
            "README.rst is stale: run python3 tools/gen_readme.py",
        )
        self.assertEqual(
            (ROOT / "static" / "description" / "index.html").read_text(
                encoding="utf-8"
            ),
            tool.build_html(rst),
            "index.html is stale: run python3 tools/gen_readme.py",
        )


@tagged("post_install", "-at_install")
class TestAppsDescription(TransactionCase):
    def test_apps_page_shows_the_description(self):
        module = self.env["ir.module.module"].search(
            [("name", "=", "service_entitlement")]
        )
        self.assertIn(
            "Repair orders find the best entitlement", module.description_html
        )
        self.assertIn("Configuration", module.description_html)

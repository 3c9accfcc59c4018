"""The printable statement renders as a real PDF (wkhtmltopdf), read back with
pdftotext.

Under test, Odoo returns the report's HTML instead of a PDF unless the context
has ``force_report_rendering``. wkhtmltopdf fetches the report's stylesheets
from the server, hence an ``HttpCase``.
"""

import logging
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .common import RepairEntitlementCase

REPORT = "service_entitlement.service_entitlement_report_action"
REPORT_LOGGER = "odoo.addons.base.models.ir_actions_report"
# What a wkhtmltopdf built on a Qt without wkhtmltopdf's patches (the Debian and
# Ubuntu package) writes on every run; Odoo logs it as a warning.
UNPATCHED_QT_NOTICES = re.compile(
    r"wkhtmltopdf: "
    r"|The switch --[\w-]+, is not support using unpatched qt, and will be ignored\."
    r"|QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to '[^']*'"
)
# That Qt also draws web fonts (the report's Lato) as outlines, leaving no text
# for pdftotext: with it, the statement is printed in the system's sans-serif.
SYSTEM_FONT = "<style>body, body * { font-family: sans-serif !important; }</style>"


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unpatched_qt():
    version = subprocess.run(
        [_get_wkhtmltopdf_bin(), "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    ).stdout
    return "patched qt" not in version


class PdfTextMixin:
    """Render a report as a real PDF and read its text back (for an
    ``HttpCase``)."""

    def _require(self, found, tool):
        if found:
            return
        message = (
            f"{tool} is needed to render the reports as PDFs and read them "
            "back (Debian/Ubuntu: apt-get install wkhtmltopdf poppler-utils)."
        )
        if in_ci():
            self.fail(message)
        self.skipTest(message)

    @contextmanager
    def _report_warnings(self):
        """Keep the report's warnings out of the log, to be checked here."""
        logger = logging.getLogger(REPORT_LOGGER)
        records = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = records.append
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield records
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate

    def _use_system_font(self):
        Report = self.env.registry["ir.actions.report"]
        run_wkhtmltopdf = Report._run_wkhtmltopdf

        def with_system_font(report, bodies, *args, **kwargs):
            bodies = [
                str(body).replace("</head>", f"{SYSTEM_FONT}</head>", 1)
                for body in bodies
            ]
            return run_wkhtmltopdf(report, bodies, *args, **kwargs)

        self.patch(Report, "_run_wkhtmltopdf", with_system_font)

    def _pdf_text(self, pdf):
        with tempfile.TemporaryDirectory(prefix="statement-") as tmp:
            path = os.path.join(tmp, "statement.pdf")
            with open(path, "wb") as out:
                out.write(pdf)
            return subprocess.run(
                ["pdftotext", "-layout", path, "-"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout

    def _render_pdf_words(self, report, records):
        """Print ``records`` with ``report`` through wkhtmltopdf (skipped
        without the tools), check that nothing was logged and that a PDF came
        out, and return its text (layout) and its words on one line."""
        Report = self.env["ir.actions.report"]
        self._require(Report.get_wkhtmltopdf_state() == "ok", "wkhtmltopdf")
        self._require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
        if unpatched_qt():
            self._use_system_font()
        self.env.flush_all()
        with self._report_warnings() as warnings:
            pdf, report_type = Report.with_context(
                force_report_rendering=True
            )._render_qweb_pdf(report, records.ids)
        unexpected = [
            record.getMessage()
            for record in warnings
            if UNPATCHED_QT_NOTICES.sub("", record.getMessage()).strip()
        ]
        self.assertFalse(unexpected, "rendering the PDF logged warnings")
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), "wkhtmltopdf made no PDF")
        text = self._pdf_text(pdf)
        return text, " ".join(text.split())


@tagged("post_install", "-at_install")
class TestStatementPdf(PdfTextMixin, RepairEntitlementCase, HttpCase):
    def test_statement_pdf_shows_customer_terms_and_ledger(self):
        warranty = self._active_entitlement(
            lot_ids=[Command.set((self.lot | self.lot2).ids)]
        )
        repairs = self._confirm(self._create_repair(lot=self.lot)) | self._confirm(
            self._create_repair(lot=self.lot2)
        )
        self.assertEqual(warranty.remaining_terms, 1)
        text, words = self._render_pdf_words(REPORT, warranty)
        for expected in (
            self.customer.name,
            warranty.code,
            warranty.name,
            "1 of 3",  # remaining terms, of the total
            "LAP-0041, LAP-0042",
        ):
            self.assertIn(expected, words, f"not in the PDF:\n{text}")
        ledger = [line for line in text.splitlines() if "Consumption" in line]
        self.assertEqual(len(ledger), 2, f"one ledger line per repair:\n{text}")
        for repair in repairs:
            self.assertTrue(
                any(repair.name in line for line in ledger),
                f"no ledger line for {repair.name} in the PDF:\n{text}",
            )

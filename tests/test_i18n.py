import os

from odoo.modules import get_module_path
from odoo.tests.common import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

from .common import FrozenClock

# How many missing msgids a failure lists.
SHOWN_MSGIDS = 10


@tagged("post_install", "-at_install")
class TestFrenchTranslation(FrozenClock, TransactionCase):
    def test_french_terms_load(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["service_entitlement"], ["fr_FR"], overwrite=True
        )
        reason = self.env.ref(
            "service_entitlement.fault_reason_accidental_damage"
        ).with_context(lang="fr_FR")
        self.assertEqual(reason.name, "Dommage accidentel")
        entitlement = self.env["service.entitlement"].with_context(lang="fr_FR")
        self.assertEqual(
            entitlement._fields["excluded_fault_reason_ids"].get_description(
                entitlement.env
            )["string"],
            "Motifs de panne exclus",
        )

    def test_every_term_can_be_extracted(self):
        """Odoo's term extraction reads every translated message of the code;
        a message whose arguments it cannot parse would go untranslated."""
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.assertNoLogs("odoo.tools.translate", level="ERROR"):
            reader = TranslationModuleReader(
                self.env.cr, modules=["service_entitlement"], lang="fr_FR"
            )
        terms = {term[4] for term in reader}
        self.assertIn("Overage on %(entitlement)s", terms)
        self.assertIn("%(left)s of %(total)s %(unit)s left", terms)

    def test_french_po_is_complete(self):
        """Every message of i18n/fr.po has a French msgstr and none is fuzzy:
        Odoo shows the English text for an empty msgstr, and loads a fuzzy
        one although nobody has confirmed it."""
        po_path = os.path.join(get_module_path("service_entitlement"), "i18n", "fr.po")
        # Odoo's reader; it also merges in the module's .pot when it finds
        # it, so a message missing from fr.po shows up as untranslated.
        reader = PoFileReader(po_path)
        entries = [
            entry
            for entry in reader.pofile
            if entry.msgid and not entry.obsolete  # not the header
        ]
        self.assertTrue(entries, f"{po_path} has no message")
        untranslated = [
            entry.msgid
            for entry in entries
            if not entry.msgstr and not any(entry.msgstr_plural.values())
        ]
        fuzzy = [entry.msgid for entry in entries if entry.fuzzy]
        for problem, msgids in (("untranslated", untranslated), ("fuzzy", fuzzy)):
            shown = "\n".join(f"  {msgid!r}" for msgid in msgids[:SHOWN_MSGIDS])
            self.assertFalse(
                msgids,
                f"{len(msgids)} {problem} message(s) in {po_path}, "
                f"the first ones:\n{shown}",
            )

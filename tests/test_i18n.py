from odoo.tests.common import TransactionCase
from odoo.tools.translate import TranslationModuleReader


class TestFrenchTranslation(TransactionCase):
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

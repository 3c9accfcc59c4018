from odoo.tests.common import TransactionCase


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

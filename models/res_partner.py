from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    service_claim_labour_rate = fields.Float(
        string="Warranty Claim Labour Rate",
        company_dependent=True,
        digits="Product Price",
        help="What this vendor pays an hour of our labour under its warranty "
        "(in the company's currency): warranty claims to it use this rate.",
    )
    service_entitlement_count = fields.Integer(
        string="Entitlements", compute="_compute_service_entitlement_count"
    )

    def _compute_service_entitlement_count(self):
        self.service_entitlement_count = 0
        if not self.env["service.entitlement"].has_access("read"):
            return
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["service.entitlement"]._read_group(
                [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.service_entitlement_count = counts.get(
                partner.commercial_partner_id, 0
            )

    def action_view_service_entitlements(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
        ]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

from odoo import api, fields, models


class ServiceVendorClaimEditWizard(models.TransientModel):
    """The service desk says, before a claim is sent, which part caused the
    failure and what the vendor should know."""

    _name = "service.vendor.claim.edit.wizard"
    _description = "Complete a Draft Warranty Claim"

    claim_id = fields.Many2one(
        "service.vendor.claim", required=True, ondelete="cascade"
    )
    part_ids = fields.Many2many(
        "product.product", compute="_compute_part_ids", string="Parts Used"
    )
    causal_product_id = fields.Many2one(
        "product.product",
        string="Causal Part",
        compute="_compute_from_claim",
        store=True,
        readonly=False,
        domain="[('id', 'in', part_ids)]",
    )
    note = fields.Text(
        string="For the Vendor",
        compute="_compute_from_claim",
        store=True,
        readonly=False,
    )

    @api.depends("claim_id")
    def _compute_part_ids(self):
        for wizard in self:
            # sudo: the parts the repair used, as the claim's edit checks them
            moves = wizard.claim_id.sudo().repair_id.move_ids
            wizard.part_ids = moves.filtered(
                lambda m: m.repair_line_type == "add"
            ).product_id

    @api.depends("claim_id")
    def _compute_from_claim(self):
        for wizard in self:
            wizard.causal_product_id = wizard.claim_id.causal_product_id
            wizard.note = wizard.claim_id.note

    def action_confirm(self):
        self.ensure_one()
        self.claim_id._edit_draft(self.causal_product_id, self.note)
        return {"type": "ir.actions.act_window_close"}

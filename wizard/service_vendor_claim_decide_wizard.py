from odoo import api, fields, models


class ServiceVendorClaimDecideWizard(models.TransientModel):
    """A billing clerk records the vendor's answer to a warranty claim: how
    much it accepts, or why it rejects it."""

    _name = "service.vendor.claim.decide.wizard"
    _description = "Record a Vendor's Answer to a Warranty Claim"

    claim_id = fields.Many2one(
        "service.vendor.claim", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="claim_id.currency_id")
    decision = fields.Selection(
        [("accepted", "Accepted"), ("rejected", "Rejected")],
        required=True,
        default="accepted",
    )
    amount = fields.Monetary(
        string="Amount Accepted",
        currency_field="currency_id",
        compute="_compute_amount",
        store=True,
        readonly=False,
    )
    reason = fields.Char(string="Rejected Because")

    @api.depends("claim_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.claim_id.amount_claimed

    def action_confirm(self):
        self.ensure_one()
        self.claim_id._decide(self.decision, self.amount, self.reason)
        return {"type": "ir.actions.act_window_close"}

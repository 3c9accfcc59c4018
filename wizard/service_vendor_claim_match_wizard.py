from odoo import fields, models


class ServiceVendorClaimMatchWizard(models.TransientModel):
    """A billing clerk matches the lines of a vendor credit note entered in
    Accounting to the warranty claim they pay back."""

    _name = "service.vendor.claim.match.wizard"
    _description = "Match a Vendor Credit Note to a Warranty Claim"

    claim_id = fields.Many2one(
        "service.vendor.claim", required=True, ondelete="cascade"
    )
    vendor_id = fields.Many2one(related="claim_id.vendor_id")
    line_ids = fields.Many2many(
        "account.move.line",
        string="Credit Note Lines",
        required=True,
        domain="[('move_id.move_type', '=', 'in_refund'),"
        " ('move_id.commercial_partner_id', '=', vendor_id),"
        " ('display_type', '=', 'product'),"
        " ('service_claim_id', '=', False),"
        " ('parent_state', '!=', 'cancel')]",
    )

    def action_confirm(self):
        self.ensure_one()
        self.claim_id._match_credit(self.line_ids)
        return {"type": "ir.actions.act_window_close"}

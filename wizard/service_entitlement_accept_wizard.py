from odoo import fields, models


class ServiceEntitlementAcceptWizard(models.TransientModel):
    """An entitlement manager accepts a contract quote the customer did not
    sign on the portal (signed on paper, agreed by phone).  The reason, who
    and when are stored on the contract, which is then activated."""

    _name = "service.entitlement.accept.wizard"
    _description = "Accept a Quote Without Signature"

    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.entitlement_id._quote_accept_without_signature(self.reason)
        return {"type": "ir.actions.act_window_close"}

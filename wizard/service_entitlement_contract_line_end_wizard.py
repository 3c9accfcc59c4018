from odoo import api, fields, models
from odoo.tools import format_amount


class ServiceEntitlementContractLineEnd(models.TransientModel):
    """*End…* on a service contract line: its last day covered, and the
    credit note that gives back what its prepaid invoices cover after it,
    shown before it is made."""

    _name = "service.entitlement.contract.line.end"
    _description = "End a Service Contract Line"

    line_id = fields.Many2one(
        "service.entitlement.contract.line",
        required=True,
        ondelete="cascade",
    )
    contract_id = fields.Many2one(related="line_id.entitlement_id")
    last_date_invoiced = fields.Date(related="line_id.last_date_invoiced")
    date_end = fields.Date(
        string="Last Day Covered",
        required=True,
        default=fields.Date.context_today,
    )
    currency_id = fields.Many2one(related="line_id.currency_id")
    credit_amount = fields.Monetary(
        string="To Credit",
        compute="_compute_credit",
        help="Untaxed amount of the credit note that ending the line makes.",
    )
    credit_detail = fields.Text(string="Credit Note Lines", compute="_compute_credit")

    @api.depends("line_id", "date_end")
    def _compute_credit(self):
        for wizard in self:
            line = wizard.line_id
            wizard.credit_amount = 0.0
            wizard.credit_detail = False
            if not (line and wizard.date_end) or line.credit_move_id:
                continue
            if line.date_end and line.date_end <= wizard.date_end:
                continue
            __, pieces = line.entitlement_id._contract_credit_values(
                {line: line._credit_from(wizard.date_end)}
            )
            wizard.credit_amount = sum(
                vals["price_unit"] * vals["quantity"] for vals in pieces
            )
            wizard.credit_detail = "\n".join(
                f"{vals['name']}: "
                + format_amount(self.env, vals["price_unit"], line.currency_id)
                for vals in pieces
            )

    def action_confirm(self):
        self.ensure_one()
        self.line_id._end(self.date_end)
        return {"type": "ir.actions.act_window_close"}

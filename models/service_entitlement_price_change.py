from odoo import fields, models


class ServiceEntitlementPriceChange(models.Model):
    """One contract line's price before and after a price update: the price
    history of a service contract, which only billing clerks and managers
    read (the chatter, which every user of the contract reads, says that
    prices changed, not what they are)."""

    _name = "service.entitlement.price.change"
    _description = "Service Contract Price Change"
    _order = "date desc, id desc"
    # Written by Update Prices only.
    _flow_owned = True

    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Service Contract",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    contract_line_id = fields.Many2one(
        "service.entitlement.contract.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    company_id = fields.Many2one(
        related="entitlement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="entitlement_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Updated By", readonly=True)
    name = fields.Char(string="Item", required=True, readonly=True)
    percent = fields.Float(string="Change %", readonly=True)
    old_value = fields.Monetary(readonly=True)
    new_value = fields.Monetary(readonly=True)

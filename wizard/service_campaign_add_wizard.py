from odoo import fields, models


class ServiceCampaignAddWizard(models.TransientModel):
    """A manager adds serial numbers to a service campaign: picked from a
    list, a range of serial numbers, or those received in a period."""

    _name = "service.campaign.add.wizard"
    _description = "Add Serial Numbers to a Service Campaign"

    campaign_id = fields.Many2one("service.campaign", required=True, ondelete="cascade")
    product_id = fields.Many2one(related="campaign_id.product_id")
    mode = fields.Selection(
        [
            ("list", "Chosen Serial Numbers"),
            ("range", "A Range of Serial Numbers"),
            ("received", "Received in a Period"),
        ],
        string="Add",
        required=True,
        default="list",
    )
    lot_ids = fields.Many2many(
        "stock.lot", string="Serial Numbers", domain="[('product_id', '=', product_id)]"
    )
    first = fields.Char(string="From Serial Number")
    last = fields.Char(string="To Serial Number")
    date_from = fields.Date(string="Received From")
    date_to = fields.Date(string="Received Until")

    def _lots(self):
        campaign = self.campaign_id
        if self.mode == "range":
            return campaign._lots_in_range(self.first, self.last)
        if self.mode == "received":
            return campaign._lots_received(self.date_from, self.date_to)
        return self.lot_ids

    def action_confirm(self):
        self.ensure_one()
        self.campaign_id._add_lots(self._lots())
        return {"type": "ir.actions.act_window_close"}

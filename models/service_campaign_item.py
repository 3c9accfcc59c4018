from odoo import api, fields, models

ITEM_STATES = [
    ("no_owner", "No Owner Known"),
    ("pending", "To Repair"),
    ("open", "Repair Open"),
    ("done", "Done"),
    ("cancelled", "Repair Cancelled"),
]


class ServiceCampaignItem(models.Model):
    """One serial number of a service campaign (a recall): its owner, the
    repair made for it and where it stands.  Written by the campaign's
    actions only."""

    _name = "service.campaign.item"
    _description = "Service Campaign Item"
    _order = "campaign_id, lot_id"
    _check_company_auto = True
    _rec_name = "lot_id"
    _flow_owned = True

    campaign_id = fields.Many2one(
        "service.campaign",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    partner_id = fields.Many2one(
        "res.partner", string="Owner", readonly=True, index="btree_not_null"
    )
    # The repair points at its item: a repair's state change finds the item
    # to recompute on the repair's own row, without a query.
    repair_ids = fields.One2many(
        "repair.order", "campaign_item_id", string="Campaign Repairs", readonly=True
    )
    repair_id = fields.Many2one("repair.order", compute="_compute_repair_id")
    notified_on = fields.Datetime(string="Owner Notified On", readonly=True)
    state = fields.Selection(
        ITEM_STATES,
        string="Status",
        compute="_compute_state",
        store=True,
        index=True,
    )

    _sql_constraints = [
        (
            "campaign_lot_uniq",
            "unique(campaign_id, lot_id)",
            "A serial number is in a campaign once.",
        ),
    ]

    @api.depends("repair_ids")
    def _compute_repair_id(self):
        for item in self:
            item.repair_id = item.repair_ids[:1]

    @api.depends("partner_id", "repair_ids.state")
    def _compute_state(self):
        for item in self:
            repair = item.repair_ids[:1]
            if repair.state == "done":
                item.state = "done"
            elif repair.state == "cancel":
                item.state = "cancelled"
            elif repair:
                item.state = "open"
            else:
                item.state = "pending" if item.partner_id else "no_owner"

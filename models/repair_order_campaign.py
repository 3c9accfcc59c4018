from odoo import fields, models


class RepairOrder(models.Model):
    """A repair made by a service campaign is covered by it: in full, with
    none of the customer's entitlement terms."""

    _inherit = "repair.order"

    campaign_item_id = fields.Many2one(
        "service.campaign.item",
        readonly=True,
        copy=False,
        index="btree_not_null",
        flow_only=True,
    )
    campaign_id = fields.Many2one(
        related="campaign_item_id.campaign_id", string="Service Campaign"
    )

    def _campaign_explain(self):
        return self.env._(
            "Service campaign %(campaign)s: covered in full, no terms used",
            # sudo: the campaign is named whatever the reader may read of it
            campaign=self.campaign_item_id.sudo().campaign_id.name,
        )

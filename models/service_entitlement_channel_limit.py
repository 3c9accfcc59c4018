from odoo import api, fields, models
from odoo.exceptions import ValidationError

CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("portal", "Portal"),
    ("walk_in", "Walk-in"),
]


class ServiceEntitlementChannelLimit(models.Model):
    """How many of an entitlement's terms one intake channel may use."""

    _name = "service.entitlement.channel.limit"
    _description = "Entitlement Channel Limit"
    _order = "entitlement_id, channel"

    entitlement_id = fields.Many2one(
        "service.entitlement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="entitlement_id.company_id", store=True)
    channel = fields.Selection(CHANNELS, required=True)
    max_terms = fields.Float(
        string="Terms Allowed", required=True, digits="Product Unit of Measure"
    )
    used_terms = fields.Float(
        compute="_compute_used_terms", digits="Product Unit of Measure"
    )

    _sql_constraints = [
        (
            "channel_uniq",
            "unique(entitlement_id, channel)",
            "An entitlement limits each channel once.",
        ),
    ]

    @api.depends("entitlement_id.consumption_ids.quantity", "channel")
    def _compute_used_terms(self):
        used = {
            (entitlement.id, channel): quantity
            for entitlement, channel, quantity in self.env[
                "service.entitlement.consumption"
            ]
            .sudo()
            ._read_group(
                [("entitlement_id", "in", self.entitlement_id.ids)],
                ["entitlement_id", "channel"],
                ["quantity:sum"],
            )
        }
        for limit in self:
            limit.used_terms = used.get((limit.entitlement_id.id, limit.channel), 0.0)

    @api.constrains("max_terms")
    def _check_max_terms(self):
        for limit in self:
            if limit.max_terms < 0:
                raise ValidationError(self.env._("A channel limit cannot be negative."))

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
        readonly=True,
        copy=False,
        flow_only=True,
        default=0.0,
        digits="Product Unit of Measure",
        help="Terms used by documents of this channel: the ledger's sum for "
        "the channel, kept in step with it under the entitlement's lock.",
    )

    _sql_constraints = [
        (
            "channel_uniq",
            "unique(entitlement_id, channel)",
            "An entitlement limits each channel once.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        limits = super().create(vals_list)
        limits._recount()
        return limits

    def write(self, vals):
        res = super().write(vals)
        if {"entitlement_id", "channel"} & set(vals):
            self._recount()
        return res

    def _recount(self):
        """A new limit starts from what its channel already used."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE service_entitlement_channel_limit l
               SET used_terms = COALESCE((
                   SELECT sum(c.quantity) FROM service_entitlement_consumption c
                    WHERE c.entitlement_id = l.entitlement_id
                      AND c.channel = l.channel), 0)
             WHERE l.id = ANY(%s)
            """,
            [self.ids],
        )
        self.invalidate_recordset(["used_terms"])

    @api.constrains("max_terms")
    def _check_max_terms(self):
        for limit in self:
            if limit.max_terms < 0:
                raise ValidationError(self.env._("A channel limit cannot be negative."))

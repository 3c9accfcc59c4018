from odoo import api, fields, models
from odoo.exceptions import UserError

from .service_entitlement_channel_limit import CHANNELS


class ServiceEntitlementConsumption(models.Model):
    """Append-only ledger of what service documents took from entitlements.

    A row is never edited nor deleted: giving terms back writes a reversal row
    that points at the row it reverses.  ``entitlement.used_terms`` is the sum
    of ``quantity`` over the ledger.
    """

    _name = "service.entitlement.consumption"
    _description = "Entitlement Consumption"
    _order = "date desc, id desc"
    _check_company_auto = True

    entitlement_id = fields.Many2one(
        "service.entitlement",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="entitlement_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="entitlement_id.partner_id", store=True, index=True, string="Customer"
    )
    allocation_type = fields.Selection(related="entitlement_id.allocation_type")
    date = fields.Datetime(
        required=True, default=fields.Datetime.now, readonly=True, index=True
    )
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    kind = fields.Selection(
        [("consumption", "Consumption"), ("reversal", "Reversal")],
        required=True,
        default="consumption",
        readonly=True,
    )
    quantity = fields.Float(
        string="Terms Used",
        digits="Product Unit of Measure",
        readonly=True,
        help="Incidents or hours taken from the entitlement; negative on a reversal.",
    )
    overage_quantity = fields.Float(
        string="Overage",
        digits="Product Unit of Measure",
        readonly=True,
        help="What the document needed beyond the remaining terms.",
    )
    bill_overage = fields.Boolean(
        readonly=True,
        help="The overage of this consumption is billed to the customer.",
    )
    billing_line_ids = fields.One2many(
        "service.entitlement.billing.line", "consumption_id", readonly=True
    )
    reversed_id = fields.Many2one(
        "service.entitlement.consumption",
        string="Reverses",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    reversal_ids = fields.One2many(
        "service.entitlement.consumption", "reversed_id", string="Reversed By"
    )
    repair_id = fields.Many2one(
        "repair.order",
        compute="_compute_repair_id",
        store=True,
        index="btree_not_null",
        string="Repair Order",
    )
    channel = fields.Selection(
        CHANNELS, readonly=True, help="How the document reached the service desk."
    )
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True
    )
    cycle = fields.Integer(
        readonly=True,
        default=0,
        help="Technical: how many times the document was reset before this "
        "consumption. A document consumes at most once per cycle.",
    )
    note = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "consumption_once_per_cycle",
            "EXCLUDE (res_model WITH =, res_id WITH =, cycle WITH =) "
            "WHERE (kind = 'consumption' AND res_model IS NOT NULL)",
            "This document has already consumed its entitlement.",
        ),
        (
            "reversal_once",
            "UNIQUE (reversed_id)",
            "This consumption has already been reversed.",
        ),
        (
            "reversal_has_origin",
            "CHECK (kind = 'consumption' OR reversed_id IS NOT NULL)",
            "A reversal must point at the consumption it reverses.",
        ),
    ]

    @api.depends("res_model", "res_id")
    def _compute_repair_id(self):
        for rec in self:
            rec.repair_id = rec.res_id if rec.res_model == "repair.order" else False

    @api.depends("entitlement_id", "kind", "quantity")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for rec in self:
            rec.display_name = (
                f"{rec.entitlement_id.code or ''} {kinds.get(rec.kind, '')} "
                f"{rec.quantity:g}"
            ).strip()

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._sync_billing_lines()
        return rows

    def _is_billable_overage(self):
        self.ensure_one()
        return self.bill_overage and self.overage_quantity > 0

    def _sync_billing_lines(self):
        """Bill new overages; cancel or credit the overages of reversed rows."""
        BillingLine = self.env["service.entitlement.billing.line"].sudo()
        BillingLine._create_from_consumptions(self)
        reversed_lines = (
            self.filtered(lambda r: r.kind == "reversal")
            .reversed_id.sudo()
            .billing_line_ids
        )
        reversed_lines.filtered(lambda line: line.state == "to_invoice").write(
            {"is_cancelled": True}
        )
        reversed_lines.filtered(
            lambda line: line.state == "invoiced"
        )._create_credit_lines()

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "The entitlement ledger is append-only: a consumption cannot be "
                "changed. Reverse it instead."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "The entitlement ledger is append-only: a consumption cannot be "
                "deleted. Reverse it instead."
            )
        )

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

LAYER_KINDS = [
    ("statutory", "Statutory"),
    ("manufacturer", "Manufacturer"),
    ("extended", "Extended"),
    ("contract", "Service Contract"),
    ("goodwill", "Goodwill"),
]
START_BASES = [
    ("delivery", "Delivery"),
    ("invoice", "Invoice"),
    ("installation", "Installation"),
    ("manufacture", "Manufacture"),
    ("receipt", "Purchase Receipt"),
]
LAYER_ORIGINS = [
    ("manual", "Entered"),
    ("rule", "Statutory Rule"),
    ("receipt", "Purchase Receipt"),
]


class ServiceWarrantyLayer(models.Model):
    """One warranty a serial number carries: the seller's legal guarantee,
    the manufacturer's (or a supplier's) warranty, an extended warranty,
    a service contract, goodwill.  A serial has several at once; each says
    who gives it, from which day it counts and what share of parts and
    labour it pays.  An entitlement may carry a layer's terms.  Statutory
    layers come from the rules when the serial is delivered, supplier
    layers from its purchase receipt; managers enter the others."""

    _name = "service.warranty.layer"
    _description = "Warranty Layer"
    _order = "lot_id, date_end desc, id desc"
    _check_company_auto = True
    # A layer the flow made (from a rule, a receipt) stays on its serial.
    _flow_only_declared = {
        "origin": True,
        "rule_id": True,
        "receipt_move_line_id": True,
        "extended_months": True,
        "lot_id": [("origin", "!=", "manual")],
    }

    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(
        related="lot_id.product_id", string="Product", store=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    kind = fields.Selection(LAYER_KINDS, required=True, default="manufacturer")
    supplier_id = fields.Many2one(
        "res.partner",
        string="Given By Supplier",
        index="btree_not_null",
        check_company=True,
        help="The supplier that pays under this warranty; empty: our company.",
    )
    start_basis = fields.Selection(
        START_BASES, string="Counts From", required=True, default="delivery"
    )
    date_start = fields.Date(string="Start", required=True)
    date_end = fields.Date(string="End", required=True)
    parts_percent = fields.Float(string="Parts %", default=100.0)
    labor_percent = fields.Float(string="Labour %", default=100.0)
    entitlement_id = fields.Many2one(
        "service.entitlement",
        string="Terms",
        index="btree_not_null",
        check_company=True,
        help="The entitlement that carries this warranty's terms (what it "
        "covers, how many incidents or hours).",
    )
    origin = fields.Selection(
        LAYER_ORIGINS, required=True, default="manual", readonly=True
    )
    rule_id = fields.Many2one(
        "service.warranty.rule", string="Statutory Rule", readonly=True
    )
    receipt_move_line_id = fields.Many2one(
        "stock.move.line", string="Received By", readonly=True
    )
    extended_months = fields.Integer(
        readonly=True, help="Months added to the end by repairs (statutory rule)."
    )
    note = fields.Char()
    running = fields.Boolean(
        compute="_compute_running",
        search="_search_running",
        help="Today is between its start and end.",
    )

    @api.depends("date_start", "date_end")
    @api.depends_context("tz")
    def _compute_running(self):
        today = fields.Date.context_today(self)
        for layer in self:
            layer.running = bool(
                layer.date_start
                and layer.date_end
                and layer.date_start <= today <= layer.date_end
            )

    def _search_running(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        today = fields.Date.context_today(self)
        domain = [("date_start", "<=", today), ("date_end", ">=", today)]
        if (operator == "=") == value:
            return domain
        return ["|", ("date_start", ">", today), ("date_end", "<", today)]

    @api.depends("kind", "supplier_id", "date_end")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for layer in self:
            giver = layer.supplier_id.display_name or layer.company_id.name
            layer.display_name = self.env._(
                "%(kind)s by %(giver)s until %(end)s",
                kind=kinds.get(layer.kind, ""),
                giver=giver,
                end=format_date(self.env, layer.date_end),
            )

    @api.constrains("date_start", "date_end", "parts_percent", "labor_percent")
    def _check_terms(self):
        for layer in self:
            if layer.date_end < layer.date_start:
                raise ValidationError(
                    self.env._("A warranty cannot end before it starts.")
                )
            for percent in (layer.parts_percent, layer.labor_percent):
                if not 0.0 <= percent <= 100.0:
                    raise ValidationError(
                        self.env._(
                            "A warranty pays between 0 %% and 100 %% of parts "
                            "and labour."
                        )
                    )

    @api.constrains("kind", "supplier_id", "entitlement_id", "lot_id")
    def _check_giver(self):
        for layer in self:
            if layer.kind == "statutory" and layer.supplier_id:
                raise ValidationError(
                    self.env._(
                        "The legal guarantee is the seller's: a statutory "
                        "warranty is given by our company, not a supplier."
                    )
                )
            entitlement = layer.entitlement_id
            if (
                entitlement
                and entitlement.lot_ids
                and (layer.lot_id not in entitlement.lot_ids)
            ):
                raise ValidationError(
                    self.env._(
                        "%(entitlement)s does not cover %(lot)s.",
                        entitlement=entitlement.display_name,
                        lot=layer.lot_id.name,
                    )
                )

    def _precedence_rank(self, order):
        """Where this layer comes in ``order`` (the company's *Which
        Warranty Pays First*): a supplier's layer as *supplier*."""
        self.ensure_one()
        kind = "supplier" if self.supplier_id else self.kind
        return order.index(kind) if kind in order else len(order)

    # ------------------------------------------------------------------
    # Layers the flow makes
    # ------------------------------------------------------------------

    @api.model
    def _from_delivery(self, lot, customer, day, company):
        """The seller's legal guarantee of ``lot`` delivered to ``customer``
        on ``day``, by the first rule that applies; none twice."""
        # sudo: whoever validates the delivery, its rule applies, once per serial
        rule = self.env["service.warranty.rule"].sudo()._for_customer(customer, company)
        if not rule or self.sudo().search_count(
            [("lot_id", "=", lot.id), ("kind", "=", "statutory")], limit=1
        ):
            return self
        return self._flow_create(
            {
                "lot_id": lot.id,
                "company_id": company.id,
                "kind": "statutory",
                "start_basis": "delivery",
                "date_start": day,
                "date_end": rule._date_end(day),
                "origin": "rule",
                "rule_id": rule.id,
            }
        )

    @api.model
    def _from_receipts(self, move_lines):
        """The supplier's warranty of each serial received from a vendor by
        ``move_lines``: the months of the vendor's price list line for the
        product (its *Warranty Period*), from the receipt's day."""
        vals_list = []
        # sudo: one layer per received serial, whoever validates the receipt
        known = (
            self.sudo()
            .search([("receipt_move_line_id", "in", move_lines.ids)])
            .receipt_move_line_id
        )
        for line in move_lines - known:
            vendor = line.picking_id.partner_id.commercial_partner_id
            day = fields.Date.context_today(self, line.date)
            months = line.product_id._service_vendor_warranty_months(
                vendor, line.company_id, day
            )
            if not months:
                continue
            whole = int(months)
            end = day + relativedelta(
                months=whole, days=round((months - whole) * 30) - 1
            )
            vals_list.append(
                {
                    "lot_id": line.lot_id.id,
                    "company_id": line.company_id.id,
                    "kind": "manufacturer",
                    "supplier_id": vendor.id,
                    "start_basis": "receipt",
                    "date_start": day,
                    "date_end": end,
                    "origin": "receipt",
                    "receipt_move_line_id": line.id,
                }
            )
        return self._flow_create(vals_list)

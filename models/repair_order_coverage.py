import functools

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare, float_is_zero, format_amount, format_date

from . import payer
from .notify import dialog


class RepairOrder(models.Model):
    """What a repair is covered by besides its entitlement's terms: its own
    repair warranty (a re-repair is free), goodwill, and the parts no
    coverage pays for (wear parts, lines the technician excludes, categories
    a fault reason excludes)."""

    _inherit = "repair.order"

    # What the customer will pay, before anything is confirmed: the repair's
    # parts and labour at the customer's prices, what the coverage pays of
    # each, the overage the entitlement bills, taxes.
    cost_currency_id = fields.Many2one(
        "res.currency", compute="_compute_cost_preview", string="Preview Currency"
    )
    cost_parts_amount = fields.Monetary(
        string="Parts Price",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_parts_covered = fields.Monetary(
        string="Parts Covered",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_labor_amount = fields.Monetary(
        string="Labour Price",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_labor_covered = fields.Monetary(
        string="Labour Covered",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_overage_amount = fields.Monetary(
        string="Overage Billed",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
        help="What the entitlement bills beyond its terms (its overage price).",
    )
    cost_untaxed_amount = fields.Monetary(
        string="Customer's Share (untaxed)",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_tax_amount = fields.Monetary(
        string="Taxes",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
    )
    cost_customer_amount = fields.Monetary(
        string="Customer Pays",
        compute="_compute_cost_preview",
        currency_field="cost_currency_id",
        help="Parts and labour less what the coverage pays, plus the overage "
        "billed, taxes included: what the customer's invoices will add up to.",
    )

    # ------------------------------------------------------------------
    # The verdict (re-repairs and goodwill are covered in full)
    # ------------------------------------------------------------------

    def _entitlement_payer_facts(self, live):
        """A re-repair, a campaign's repair, the serial's warranty layers and
        planned service also decide who pays (see models/payer.py)."""
        facts = super()._entitlement_payer_facts(live)
        entitlement = self._entitlement_terms()

        def layer():
            if not self._service_using("layers"):
                return None
            paying = self._warranty_layers_weighed()[0]
            return paying and (paying.parts_percent, paying.labor_percent)

        facts.update(
            rerepair=bool(self.rerepair_of_id),
            campaign=bool(self.campaign_item_id and self._service_using("campaigns")),
            layer=layer,
            planned=bool(
                self.planned_service
                and self._service_using("planned")
                and entitlement
                and not entitlement.planned_use_terms
            ),
        )
        return facts

    def _entitlement_plan_explain(self, plan, explain=True):
        if not explain and plan.verdict == "covered":
            return False
        if plan.payer == "rerepair":
            # sudo: the redone repair is named whatever the reader may read of it
            redone = self.rerepair_of_id.sudo()
            return self.env._(
                "Re-repair of %(repair)s, under its repair warranty until "
                "%(end)s: covered in full, no terms used",
                repair=redone.name,
                end=format_date(self.env, redone.repair_warranty_end),
            )
        if plan.payer == "campaign":
            return self._campaign_explain()
        if plan.payer == "layer":
            return self._warranty_layer_explain(self._warranty_layers_weighed()[0])
        if plan.payer == "planned":
            return self.env._(
                "Planned service of %(date)s, no terms used · %(explanation)s",
                date=format_date(self.env, self.planned_date),
                explanation=self._entitlement_explain(self._entitlement_terms()),
            )
        return super()._entitlement_plan_explain(plan, explain=explain)

    def _entitlement_waiver_details(self, plan):
        notes = {
            "planned": lambda: self.env._(
                "Planned service of %(date)s", date=self.planned_date
            ),
            "rerepair": lambda: self.env._(
                "Re-repair of %(repair)s", repair=self.rerepair_of_id.name
            ),
            "campaign": self._campaign_explain,
            "layer": lambda: self._warranty_layers_weighed()[0].display_name,
        }
        if plan.waiver in notes:
            return {
                "waiver": plan.waiver,
                "note": notes[plan.waiver](),
                "user": self.env.user,
            }
        return super()._entitlement_waiver_details(plan)

    # ------------------------------------------------------------------
    # Parts no coverage pays for
    # ------------------------------------------------------------------

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
            "entitlement_decision",
            "rerepair_of_id",
            "move_ids.entitlement_excluded",
            "move_ids.product_id",
            "move_ids.repair_line_type",
            "move_ids.replaced_component_id",
            "lot_id.warranty_layer_ids",
        ]
    )
    def _compute_entitlement_explanation(self):
        """The explanation also names the parts the coverage leaves to the
        customer, and why, and the parts free under their part warranty."""
        res = super()._compute_entitlement_explanation()
        for repair in self._service_using("entitlements"):
            under_part_warranty = [
                self.env._(
                    "%(product)s (until %(date)s)",
                    product=move.product_id.display_name,
                    date=format_date(self.env, end),
                )
                for move in repair.move_ids
                for end in [move._part_warranty_end()]
                if end
            ]
            if under_part_warranty:
                repair.entitlement_explanation = " · ".join(
                    filter(
                        None,
                        [
                            repair.entitlement_explanation,
                            self.env._(
                                "Part warranty: %(parts)s",
                                parts=", ".join(under_part_warranty),
                            ),
                        ],
                    )
                )
            if not (repair.entitlement_id or repair.rerepair_of_id):
                continue
            excluded = [
                self.env._(
                    "%(product)s (%(why)s)",
                    product=move.product_id.display_name,
                    why=why,
                )
                for move in repair.move_ids
                for why in [move._entitlement_exclusion()]
                if why
            ]
            if excluded and repair.entitlement_explanation:
                repair.entitlement_explanation = self.env._(
                    "%(explanation)s · Not covered: %(parts)s",
                    explanation=repair.entitlement_explanation,
                    parts=", ".join(excluded),
                )
            pricing = repair._entitlement_contract_notes()
            if pricing and repair.entitlement_explanation:
                repair.entitlement_explanation = " · ".join(
                    [repair.entitlement_explanation, *pricing]
                )
        for repair in self._service_using("layers").filtered(
            "lot_id.warranty_layer_count"
        ):
            repair.entitlement_explanation = " · ".join(
                filter(
                    None, [repair.entitlement_explanation, repair.warranty_layer_note]
                )
            )
        return res

    # ------------------------------------------------------------------
    # The service contract's discounts and labour cap
    # ------------------------------------------------------------------

    def _entitlement_contract_pricing(self):
        """What the repair's service contract takes off its billable work on
        the repair's date: ``{"contract", "parts", "labour", "cost"}``, the
        last three contract discounts (or empty); no contract when the
        repair is not under one in force."""
        self.ensure_one()
        Discount = self.env["service.entitlement.contract.discount"]
        contract = self._entitlement_terms()
        if (
            not contract
            or contract.entitlement_type != "service_contract"
            or self.entitlement_coverage == "not_valid"
        ):
            return {
                "contract": None,
                "parts": Discount,
                "labour": Discount,
                "cost": Discount,
            }
        day = fields.Date.context_today(
            self, self.schedule_date or fields.Datetime.now()
        )
        return {
            "contract": contract,
            "parts": contract._contract_discount("category", day, self.product_id),
            "labour": contract._contract_discount("labour", day),
            "cost": contract._contract_discount("cost", day),
        }

    def _entitlement_contract_notes(self):
        """The contract discounts and cap that apply, in words: contract
        prices, which the desk and technicians do not read (the billing
        clerks and managers do)."""
        if not (
            self.env.su
            or self.env.user.has_group("service_entitlement.group_billing_clerk")
        ):
            return []
        pricing = self._entitlement_contract_pricing()
        contract = pricing["contract"]
        if not contract:
            return []
        notes = [
            self.env._(
                "Contract discount on %(scope)s: %(discount)s%% (from %(date)s)",
                scope=discount._scope_label(),
                discount=discount.discount,
                date=format_date(self.env, discount.starting_date),
            )
            for discount in pricing["parts"] | pricing["labour"] | pricing["cost"]
            if discount.discount
        ]
        cap = contract.max_labour_unit_price
        if cap:
            # Labour is recorded in hours, and priced by the hour.
            notes.append(
                self.env._(
                    "Labour at most %(price)s an hour",
                    price=format_amount(self.env, cap, contract.currency_id),
                )
            )
        return notes

    # ------------------------------------------------------------------
    # The customer's share
    # ------------------------------------------------------------------

    @api.depends(
        "partner_id",
        "company_id",
        "move_ids.product_id",
        "move_ids.product_uom_qty",
        "move_ids.product_uom",
        "move_ids.repair_line_type",
        "move_ids.entitlement_excluded",
        "move_ids.replaced_component_id",
        "move_ids.sale_line_id.price_unit",
        "sale_order_id.order_line.price_unit",
        "sale_order_id.order_line.product_uom_qty",
        "labor_hours",
        "entitlement_id",
        "entitlement_decision",
        "rerepair_of_id",
        "fault_reason_id",
        "under_warranty",
        "entitlement_decision_bill",
    )
    def _compute_cost_preview(self):
        # The live consumptions of all the repairs in one query.
        repairs = self._service_using("entitlements")
        (self - repairs).update(
            dict.fromkeys(
                (
                    "cost_parts_amount",
                    "cost_parts_covered",
                    "cost_labor_amount",
                    "cost_labor_covered",
                    "cost_overage_amount",
                    "cost_untaxed_amount",
                    "cost_tax_amount",
                    "cost_customer_amount",
                ),
                0.0,
            )
            | {"cost_currency_id": False}
        )
        lives = repairs._entitlement_live_consumptions()
        Ledger = self.env["service.entitlement.consumption"]
        for repair in repairs:
            preview = repair._entitlement_cost_preview(lives.get(repair.id, Ledger))
            repair.cost_currency_id = preview["currency"]
            repair.cost_parts_amount = preview["parts"]
            repair.cost_parts_covered = preview["parts_covered"]
            repair.cost_labor_amount = preview["labor"]
            repair.cost_labor_covered = preview["labor_covered"]
            repair.cost_overage_amount = preview["overage"]
            repair.cost_untaxed_amount = preview["untaxed"]
            repair.cost_tax_amount = preview["taxes"]
            repair.cost_customer_amount = preview["total"]

    def _entitlement_cost_lines(self, plan):
        """([(kind, product, quantity, unit price, covered %)], pricelist):
        what the repair charges, as its quotation does or will, and a
        function giving the customer's pricelist (resolved once, when first
        asked).  Parts are its added parts; labour is the quotation's
        service lines, or before there is one, the labour hours at the
        labour product's price (Settings)."""
        self.ensure_one()
        if self.under_warranty and not plan.under_warranty:
            # Ticked by hand (no entitlement): Odoo gives the parts away.
            plan = plan._replace(parts_percent=100.0)
        pricing = self._entitlement_contract_pricing()
        contract = pricing["contract"]
        parts_off = pricing["parts"].discount
        labour_off = pricing["labour"].discount
        date = self.schedule_date or fields.Datetime.now()

        @functools.cache
        def pricelist():
            # Resolving the customer's pricelist costs a few queries: only
            # when there is something to price.
            return self.sale_order_id.pricelist_id or (
                self.partner_id.with_company(self.company_id).property_product_pricelist
            )

        def price(product, quantity, uom=None, line=None):
            if line and line.price_unit:
                return line.price_unit
            if pricelist():
                return pricelist()._get_product_price(
                    product, quantity or 1.0, uom=uom, date=date
                )
            return product.lst_price

        lines = []
        for move in self.move_ids.filtered(
            lambda m: m.repair_line_type == "add" and m.product_id
        ):
            covered = payer.line_covered(
                plan,
                "parts",
                part_warranty=bool(move._part_warranty_end()),
                excluded=bool(move._entitlement_exclusion()),
                discount=parts_off,
            )
            unit = price(
                move.product_id,
                move.product_uom_qty,
                move.product_uom,
                move.sale_line_id,
            )
            lines.append(
                ("parts", move.product_id, move.product_uom_qty, unit, covered)
            )
        services = self.sale_order_id.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.product_id.type == "service"
                and line != self.sale_order_line_id
            )
        )
        for line in services:
            covered = payer.line_covered(
                plan,
                "labor",
                excluded=line.product_id.entitlement_never_covered,
                discount=labour_off,
            )
            unit = price(line.product_id, line.product_uom_qty, line.product_uom, line)
            lines.append(
                (
                    "labor",
                    line.product_id,
                    line.product_uom_qty,
                    contract._labour_price(unit) if contract else unit,
                    covered,
                )
            )
        labor_product = self.company_id.entitlement_labor_product_id
        if (
            not self.sale_order_id
            and labor_product
            and float_compare(self.labor_hours, 0.0, precision_digits=2) > 0
        ):
            covered = payer.line_covered(
                plan,
                "labor",
                excluded=labor_product.entitlement_never_covered,
                discount=labour_off,
            )
            unit = price(labor_product, self.labor_hours)
            lines.append(
                (
                    "labor",
                    labor_product,
                    self.labor_hours,
                    contract._labour_price(unit) if contract else unit,
                    covered,
                )
            )
        return lines, pricelist

    def _entitlement_overage_preview(self, plan):
        """(product, quantity, currency, unit price) of the overage the
        entitlement will bill for this repair under ``plan``, or None."""
        self.ensure_one()
        entitlement = self._entitlement_terms()
        quantity = plan.overage_billed
        product = entitlement.overage_product_id
        if float_is_zero(quantity, precision_digits=2) or not product:
            return None
        currency, unit = self.env[
            "service.entitlement.billing.line"
        ]._overage_unit_price(entitlement, product, quantity, fields.Datetime.now())
        discount = self._entitlement_contract_pricing()["cost"].discount
        return product, quantity, currency, unit * (1.0 - discount / 100.0)

    def _entitlement_cost_preview(self, live=None):
        """The customer's share of the repair: {currency, parts,
        parts_covered, labor, labor_covered, overage, untaxed, taxes,
        total}; ``live`` is the repair's live consumption (read if not
        given)."""
        self.ensure_one()
        if live is None:
            live = self._entitlement_live_consumptions().get(
                self.id, self.env["service.entitlement.consumption"]
            )
        company = self.company_id or self.env.company
        plan = self._entitlement_plan(live)
        lines, pricelist = self._entitlement_cost_lines(plan)
        overage = self._entitlement_overage_preview(plan)
        # In the customer's pricelist's currency when there is anything to
        # show: a repair with nothing to charge yet does not resolve it.
        currency = (
            (lines or overage or self.sale_order_id) and pricelist().currency_id
        ) or company.currency_id
        totals = dict.fromkeys(
            ("parts", "parts_covered", "labor", "labor_covered", "overage", "taxes"),
            0.0,
        )
        charged = []
        for kind, product, quantity, unit, covered in lines:
            amount = currency.round(quantity * unit)
            covered_amount = currency.round(amount * covered / 100.0)
            totals[kind] += amount
            totals[f"{kind}_covered"] += covered_amount
            charged.append((product, quantity, unit * (1 - covered / 100.0)))
        if overage:
            product, quantity, overage_currency, unit = overage
            unit = overage_currency._convert(
                unit, currency, company, fields.Date.context_today(self)
            )
            totals["overage"] = currency.round(quantity * unit)
            charged.append((product, quantity, unit))
        fpos = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(self.partner_id)
            if self.partner_id and charged
            else self.env["account.fiscal.position"]
        )
        for product, quantity, unit in charged:
            taxes = fpos.map_tax(
                product.taxes_id.filtered(lambda t: t.company_id == company)
            )
            if taxes and unit:
                result = taxes.compute_all(
                    unit, currency, quantity, product=product, partner=self.partner_id
                )
                totals["taxes"] += result["total_included"] - result["total_excluded"]
        untaxed = (
            totals["parts"]
            - totals["parts_covered"]
            + totals["labor"]
            - totals["labor_covered"]
            + totals["overage"]
        )
        return {
            **totals,
            "currency": currency,
            "untaxed": untaxed,
            "total": untaxed + currency.round(totals["taxes"]),
        }

    def _entitlement_add_labor_lines(self):
        """The labour hours recorded on the repair, at the labour product
        (Settings), on its new quotation: the customer's share showed them."""
        lines = []
        for repair in self._service_using("entitlements").filtered("sale_order_id"):
            product = repair.company_id.entitlement_labor_product_id
            if (
                not product
                or float_compare(repair.labor_hours, 0.0, precision_digits=2) <= 0
                or product in repair.sale_order_id.order_line.product_id
            ):
                continue
            lines.append(
                {
                    "order_id": repair.sale_order_id.id,
                    "product_id": product.id,
                    "product_uom_qty": repair.labor_hours,
                }
            )
        if lines:
            self.env["sale.order.line"].create(lines)

    # ------------------------------------------------------------------
    # Goodwill
    # ------------------------------------------------------------------

    def _entitlement_goodwill_allowed(self):
        return self.state not in ("done", "cancel")

    def action_entitlement_goodwill(self):
        """Open the goodwill wizard (service desk)."""
        self.ensure_one()
        if not self._entitlement_can_grant_goodwill():
            raise AccessError(self.env._("Only the service desk can grant goodwill."))
        return dialog(
            "service.entitlement.goodwill.wizard",
            self.env._("Goodwill"),
            default_repair_id=self.id,
        )

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, format_date

from . import entitlement_policy as policy
from .ledger_guard import is_ledger_writer, ledger_writer

# How far back finished repairs count towards a repeat failure.
REPEAT_FAILURE_MONTHS = 12


class RepairOrder(models.Model):
    """What a repair is covered by besides its entitlement's terms: its own
    repair warranty (a re-repair is free), goodwill, and the parts no
    coverage pays for (wear parts, lines the technician excludes, categories
    a fault reason excludes)."""

    _inherit = "repair.order"

    rerepair_of_id = fields.Many2one(
        "repair.order",
        string="Re-repair of",
        copy=False,
        index="btree_not_null",
        tracking=True,
        domain="[('lot_id', '=', lot_id), ('state', '=', 'done'), "
        "('repair_warranty_end', '>=', schedule_date)]",
        help="The finished repair of the same serial number whose repair "
        "warranty covers this one: a re-repair is covered in full and uses no "
        "entitlement terms.",
    )
    lot_repair_count = fields.Integer(
        string="Earlier Repairs",
        copy=False,
        readonly=True,
        help="Finished repairs of the same serial number in the 12 months "
        "before this one.",
        flow_only=True,
    )
    finished_date = fields.Date(
        string="Finished On",
        copy=False,
        readonly=True,
        help="When the repair was ended; its repair warranty starts here.",
        flow_only=True,
    )
    repair_warranty_end = fields.Date(
        string="Repair Warranty Until",
        copy=False,
        readonly=True,
        help="A new repair of the same serial number until this date is a "
        "re-repair, covered in full.",
        flow_only=True,
    )
    # Not tracked on the repair (a related field takes the serial number's
    # tracking, and would read the serial number at every write).
    lot_repeat_failure = fields.Boolean(
        related="lot_id.repeat_failure", string="Repeat Failure", tracking=False
    )

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
    # Re-repairs
    # ------------------------------------------------------------------

    def _rerepair_matches(self):
        """{repair: (the repair it redoes or an empty recordset, the serial
        number's finished repairs of the last 12 months)}: the latest
        finished repair of the same serial number whose repair warranty
        covers the repair's date.  One query for all the repairs."""
        Repair = self.env["repair.order"]
        dates = {
            repair: repair._entitlement_get_date() for repair in self if repair.lot_id
        }
        matches = {repair: (Repair, 0) for repair in self}
        if not dates:
            return matches
        earliest = min(dates.values())
        since = earliest - relativedelta(months=REPEAT_FAILURE_MONTHS)
        earlier = (
            Repair.sudo()
            .search_fetch(
                [
                    ("lot_id", "in", [repair.lot_id._origin.id for repair in dates]),
                    ("state", "=", "done"),
                    ("id", "not in", self._origin.ids),
                    "|",
                    ("finished_date", ">=", since),
                    ("repair_warranty_end", ">=", earliest),
                ],
                ["lot_id", "finished_date", "repair_warranty_end"],
                order="finished_date desc, id desc",
            )
            .grouped("lot_id")
        )
        for repair, date in dates.items():
            since = date - relativedelta(months=REPEAT_FAILURE_MONTHS)
            done = earlier.get(repair.lot_id._origin, Repair)
            covering = done.filtered(
                lambda d, date=date: (
                    d.repair_warranty_end and d.repair_warranty_end >= date
                )
            )[:1]
            matches[repair] = (
                covering.with_env(self.env),
                # A repair finished before the add-on kept its finish date
                # (imported, or done before install) counts as not recent.
                len(
                    done.filtered(
                        lambda d, since=since: (
                            d.finished_date and d.finished_date >= since
                        )
                    )
                ),
            )
        return matches

    def _rerepair_rematch(self):
        """Link draft repairs to the repair they redo, as their serial
        number and date say (the add-on's own write: no tracking needed)."""
        if self._entitlement_bypassed():
            return
        drafts = self.filtered(lambda r: r.state == "draft")
        for repair, (redone, count) in drafts._rerepair_matches().items():
            vals = {}
            if redone != repair.rerepair_of_id:
                vals["rerepair_of_id"] = redone.id
            if count != repair.lot_repair_count:
                vals["lot_repair_count"] = count
            if vals:
                with ledger_writer():
                    repair.write(vals)

    @api.onchange("lot_id", "schedule_date")
    def _onchange_rerepair(self):
        if self.state == "draft":
            redone, count = self._rerepair_matches()[self]
            self.rerepair_of_id = redone
            self.lot_repair_count = count

    @api.constrains("rerepair_of_id")
    def _check_rerepair_of(self):
        for repair in self.filtered("rerepair_of_id"):
            redone = repair.rerepair_of_id.sudo()
            if redone == repair:
                raise ValidationError(
                    self.env._("A repair cannot be a re-repair of itself.")
                )
            if not repair.lot_id or redone.lot_id != repair.lot_id:
                raise ValidationError(
                    self.env._(
                        "%(repair)s can only redo a repair of its own serial "
                        "number: %(redone)s repaired %(lot)s.",
                        repair=repair.display_name,
                        redone=redone.display_name,
                        lot=redone.lot_id.name or self.env._("no serial number"),
                    )
                )
            if redone.state != "done" or not redone.repair_warranty_end:
                raise ValidationError(
                    self.env._(
                        "%(redone)s is not finished: only a finished repair "
                        "carries a repair warranty.",
                        redone=redone.display_name,
                    )
                )
            date = repair._entitlement_get_date()
            if date > redone.repair_warranty_end:
                raise ValidationError(
                    self.env._(
                        "The repair warranty of %(redone)s ended on %(end)s: "
                        "%(repair)s of %(date)s is not a re-repair.",
                        redone=redone.display_name,
                        end=format_date(self.env, redone.repair_warranty_end),
                        repair=repair.display_name,
                        date=format_date(self.env, date),
                    )
                )

    def _rerepair_created(self, vals_list):
        """New repairs of a serial number look for the repair they redo
        (part of the creation: nothing to track in the chatter yet)."""
        unlinked = self.browse(
            record.id
            for record, vals in zip(self, vals_list, strict=True)
            if record.lot_id and "rerepair_of_id" not in vals
        )
        unlinked.with_context(tracking_disable=True)._rerepair_rematch()

    def _rerepair_check_write(self, vals):
        if is_ledger_writer() or "rerepair_of_id" not in vals:
            return
        if any(
            repair.state != "draft"
            and repair.rerepair_of_id.id != (vals["rerepair_of_id"] or False)
            for repair in self
        ):
            raise UserError(
                self.env._(
                    "Re-repair of can only change while the repair is a "
                    "draft: it decides what the repair used."
                )
            )

    def _rerepair_written(self, vals):
        """A new serial number or date may make the repair a re-repair (or
        no longer one)."""
        if "rerepair_of_id" in vals:
            self._entitlement_invalidate()
        elif {"lot_id", "schedule_date"} & set(vals):
            self._rerepair_rematch()

    def _entitlement_waiver(self):
        if self.rerepair_of_id:
            return {
                "waiver": "rerepair",
                "note": self.env._(
                    "Re-repair of %(repair)s", repair=self.rerepair_of_id.name
                ),
                "user": self.env.user,
            }
        return super()._entitlement_waiver()

    def _entitlement_verdict(self, live, explain=True):
        """A re-repair is covered by the repair warranty of the repair it
        redoes, with or without an entitlement."""
        if self.rerepair_of_id:
            redone = self.rerepair_of_id.sudo()
            return "covered", explain and self.env._(
                "Re-repair of %(repair)s, under its repair warranty until "
                "%(end)s: covered in full, no terms used",
                repair=redone.name,
                end=format_date(self.env, redone.repair_warranty_end),
            )
        return super()._entitlement_verdict(live, explain=explain)

    # ------------------------------------------------------------------
    # Parts no coverage pays for
    # ------------------------------------------------------------------

    @api.depends(
        lambda self: [
            *self._entitlement_match_depends(),
            "entitlement_id",
            "entitlement_id.remaining_terms",
            "entitlement_cycle",
            "entitlement_goodwill",
            "rerepair_of_id",
            "move_ids.entitlement_excluded",
            "move_ids.product_id",
            "move_ids.repair_line_type",
        ]
    )
    def _compute_entitlement_explanation(self):
        """The explanation also names the parts the coverage leaves to the
        customer, and why."""
        res = super()._compute_entitlement_explanation()
        for repair in self:
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
        return res

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
        "move_ids.sale_line_id.price_unit",
        "sale_order_id.order_line.price_unit",
        "sale_order_id.order_line.product_uom_qty",
        "labor_hours",
        "entitlement_id",
        "entitlement_goodwill",
        "rerepair_of_id",
        "fault_reason_id",
        "under_warranty",
        "entitlement_override_bill",
    )
    def _compute_cost_preview(self):
        # The live consumptions of all the repairs in one query.
        lives = self._entitlement_live_consumptions()
        Ledger = self.env["service.entitlement.consumption"]
        for repair in self:
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

    def _entitlement_cost_lines(self):
        """[(product, quantity, unit price, covered %)]: what the repair
        charges, as its quotation does or will.  Parts are its added parts;
        labour is the quotation's service lines, or before there is one, the
        labour hours at the labour product's price (Settings)."""
        self.ensure_one()
        parts_percent, labor_percent = self._entitlement_cost_coverage()
        if self.under_warranty:
            parts_percent = 100.0
        pricelist = self.sale_order_id.pricelist_id or (
            self.partner_id.with_company(self.company_id).property_product_pricelist
        )
        date = self.schedule_date or fields.Datetime.now()

        def price(product, quantity, uom=None, line=None):
            if line and line.price_unit:
                return line.price_unit
            if pricelist:
                return pricelist._get_product_price(
                    product, quantity or 1.0, uom=uom, date=date
                )
            return product.lst_price

        lines = []
        for move in self.move_ids.filtered(
            lambda m: m.repair_line_type == "add" and m.product_id
        ):
            covered = 0.0 if move._entitlement_exclusion() else parts_percent
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
            covered = (
                0.0 if line.product_id.entitlement_never_covered else labor_percent
            )
            lines.append(
                (
                    "labor",
                    line.product_id,
                    line.product_uom_qty,
                    price(
                        line.product_id, line.product_uom_qty, line.product_uom, line
                    ),
                    covered,
                )
            )
        labor_product = self.company_id.entitlement_labor_product_id
        if (
            not self.sale_order_id
            and labor_product
            and float_compare(self.labor_hours, 0.0, precision_digits=2) > 0
        ):
            covered = 0.0 if labor_product.entitlement_never_covered else labor_percent
            lines.append(
                (
                    "labor",
                    labor_product,
                    self.labor_hours,
                    price(labor_product, self.labor_hours),
                    covered,
                )
            )
        return lines, pricelist.currency_id or self.company_id.currency_id

    def _entitlement_overage_preview(self, live):
        """(product, quantity, currency, unit price) of the overage the
        entitlement will bill for this repair, or None; ``live`` is the
        repair's live consumption, if any."""
        self.ensure_one()
        entitlement = self.entitlement_id.sudo()
        if not entitlement or self.rerepair_of_id or self.entitlement_goodwill:
            return None
        if live:
            quantity = live.overage_quantity if live.bill_overage else 0.0
        else:
            outcome = policy.decide(
                entitlement.limit_policy,
                self._entitlement_quantity(entitlement),
                entitlement._remaining_for_channel(self._entitlement_get_channel()),
                self._entitlement_override_decision(),
            )
            quantity = outcome.overage if outcome.billed else 0.0
        product = entitlement.overage_product_id
        if float_is_zero(quantity, precision_digits=2) or not product:
            return None
        currency, unit = self.env[
            "service.entitlement.billing.line"
        ]._overage_unit_price(entitlement, product, quantity, fields.Datetime.now())
        return product, quantity, currency, unit

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
        lines, currency = self._entitlement_cost_lines()
        fpos = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(self.partner_id)
            if self.partner_id
            else self.env["account.fiscal.position"]
        )
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
        overage = self._entitlement_overage_preview(live)
        if overage:
            product, quantity, overage_currency, unit = overage
            unit = overage_currency._convert(
                unit, currency, company, fields.Date.context_today(self)
            )
            totals["overage"] = currency.round(quantity * unit)
            charged.append((product, quantity, unit))
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
        for repair in self.filtered("sale_order_id"):
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
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Goodwill"),
            "res_model": "service.entitlement.goodwill.wizard",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_repair_id": self.id},
        }

    # ------------------------------------------------------------------
    # Finishing: the repair warranty, repeat failures
    # ------------------------------------------------------------------

    def _repair_warranty_days(self):
        self.ensure_one()
        return (
            self.product_id.product_tmpl_id.repair_warranty_days
            or self.company_id.repair_warranty_days
        )

    def _start_repair_warranty(self):
        """Give each finished repair its repair warranty, and flag the serial
        numbers repaired too often."""
        today = fields.Date.context_today(self)
        with ledger_writer():
            for repair in self:
                days = repair._repair_warranty_days()
                repair.write(
                    {
                        "finished_date": today,
                        "repair_warranty_end": (
                            today + relativedelta(days=days) if days else False
                        ),
                    }
                )
        for repair in self.filtered("lot_id"):
            # What the repair counted when it was created, and this one: only
            # a serial number that may have reached the limit is counted again.
            limit = repair.company_id.repeat_failure_count
            if limit and repair.lot_repair_count + 1 >= limit:
                repair._flag_repeat_failure(limit)

    def _flag_repeat_failure(self, limit):
        self.ensure_one()
        lot = self.lot_id.sudo()
        if lot.repeat_failure:
            return
        since = fields.Date.context_today(self) - relativedelta(
            months=REPEAT_FAILURE_MONTHS
        )
        count = self.sudo().search_count(
            [
                ("lot_id", "=", lot.id),
                ("state", "=", "done"),
                ("finished_date", ">=", since),
            ]
        )
        if count < limit:
            return
        with ledger_writer():
            lot.repeat_failure = True
        message = self.env._(
            "%(lot)s was repaired %(count)s times in %(months)s months (latest: "
            "%(repair)s): propose a replacement to the customer.",
            lot=lot.display_name,
            count=count,
            months=REPEAT_FAILURE_MONTHS,
            repair=self.name,
        )
        lot.message_post(body=message)
        lot.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Repeat failure: propose a replacement"),
            note=message,
            user_id=self._repeat_failure_responsible().id,
        )

    def _repeat_failure_responsible(self):
        """Who is asked to propose a replacement: the responsible of the
        repair's entitlement if a manager, else the first entitlement
        manager of the company."""
        self.ensure_one()
        managers = self.env.ref("service_entitlement.group_entitlement_manager").users
        responsible = self.entitlement_id.sudo().user_id
        if responsible in managers:
            return responsible
        company_managers = managers.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        return company_managers.sorted("id")[:1] or self.env.user

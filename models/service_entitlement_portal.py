from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import format_amount


class ServiceEntitlement(models.Model):
    """The entitlement on the customer portal: its address, its statement's
    file name, and the repairs the customer may request."""

    _inherit = "service.entitlement"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for rec in self:
            rec.access_url = f"/my/entitlements/{rec.id}"
        return res

    def _portal_usage(self, offset=0, limit=20):
        """(A page of the entitlement's ledger rows, latest date first; {repair id:
        the customer's rating of it}): read as the page's reader, the ratings
        of the page's repairs in one go."""
        self.ensure_one()
        rows = self.env["service.entitlement.consumption"].search(
            [("entitlement_id", "=", self.id)],
            order="date desc, id desc",
            limit=limit,
            offset=offset,
        )
        # sudo: the customer reads his own ratings, not the rating model
        ratings = rows.repair_id.sudo().rating_ids.filtered("consumed")
        return rows, {rating.res_id: rating for rating in ratings.sorted("id")[::-1]}

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"Statement {self.code}"

    def _portal_requestable_lots(self):
        """Serial numbers of the customer a repair may be asked for under this
        entitlement."""
        self.ensure_one()
        if self.lot_ids:
            return self.lot_ids.filtered(lambda lot: lot.service_blocked != "all")
        domain = [
            ("customer_id", "child_of", self.partner_id.id),
            ("service_blocked", "!=", "all"),
        ]
        if self.product_ids:
            domain.append(("product_id", "in", self.product_ids.ids))
        elif self.product_categ_ids:
            domain.append(
                ("product_id.categ_id", "child_of", self.product_categ_ids.ids)
            )
        # sudo: the portal customer picks among his serial numbers, which he cannot read
        return self.env["stock.lot"].sudo().search(domain, limit=200)

    def _portal_can_request_repair(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        return (
            self.state == "active"
            and self.date_start <= today <= self.date_end
            and (self.remaining_terms > 0 or self.limit_policy != "block")
        )

    def _portal_request_terms(self):
        """What a repair asked for under this entitlement would use and what
        would be billed, in words for the customer, before the request."""
        self.ensure_one()
        remaining = max(self.remaining_terms, 0.0)
        parts = f"{self.parts_coverage_percent:g}"
        labour = f"{self.labor_coverage_percent:g}"
        left = f"{remaining:g}"
        coverage = self.env._(
            "parts covered at %(parts)s%%, labour at %(labour)s%%",
            parts=parts,
            labour=labour,
        )
        if self.allocation_type == "hours":
            if remaining > 0:
                return self.env._(
                    "The repair's labour hours are taken from the %(left)s hours "
                    "left; %(coverage)s.",
                    left=left,
                    coverage=coverage,
                )
        elif remaining >= 1:
            return self.env._(
                "This request uses 1 of the %(left)s incidents left: %(coverage)s.",
                left=left,
                coverage=coverage,
            )
        if self.limit_policy == "bill":
            price = self.overage_price or self.overage_product_id.lst_price
            return self.env._(
                "Nothing is left of this entitlement: the repair is billed as an "
                "overage at %(price)s before taxes, besides the parts and labour "
                "it does not cover.",
                price=format_amount(self.env, price, self.currency_id),
            )
        return self.env._(
            "Nothing is left of this entitlement: the repair is charged at our "
            "prices; we tell you the amount before we start."
        )

    def _portal_requests(self):
        """The repairs under this entitlement that its customer follows: open
        ones, and those finished or cancelled in the last 90 days."""
        self.ensure_one()
        since = fields.Datetime.now() - relativedelta(days=90)
        # sudo: the portal customer sees his requests but cannot read repair orders
        return (
            self.env["repair.order"]
            .sudo()
            .search(
                [
                    ("entitlement_id", "=", self.id),
                    "|",
                    ("state", "not in", ("done", "cancel")),
                    ("write_date", ">=", since),
                ],
                order="id desc",
                limit=50,
            )
        )

from odoo import fields, models


class ServiceEntitlement(models.Model):
    """The entitlement on the customer portal: its address, its statement's
    file name, and the repairs the customer may request."""

    _inherit = "service.entitlement"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for rec in self:
            rec.access_url = f"/my/entitlements/{rec.id}"
        return res

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
        return self.env["stock.lot"].sudo().search(domain, limit=200)

    def _portal_can_request_repair(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        return (
            self.state == "active"
            and self.date_start <= today <= self.date_end
            and (self.remaining_terms > 0 or self.limit_policy != "block")
        )

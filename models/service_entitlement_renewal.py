from dateutil.relativedelta import relativedelta

from odoo import Command, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .ledger_guard import ledger_writer


class ServiceEntitlement(models.Model):
    """Renewal: the next entitlement as a draft, with the unused terms carried
    over if asked, and a quotation for the customer if a renewal product is
    set."""

    _inherit = "service.entitlement"

    def action_renew(self):
        """Create the next entitlement as a draft, starting the day after this
        one ends, for the same duration."""
        self.ensure_one()
        self._check_manager()
        if self.state not in ("active", "expired"):
            raise UserError(
                self.env._(
                    "Only active or expired entitlements can be renewed; %(name)s "
                    "is not.",
                    name=self.display_name,
                )
            )
        if self.renewal_ids.filtered(lambda r: r.state != "cancelled"):
            raise UserError(
                self.env._(
                    "%(name)s is already renewed by %(renewal)s.",
                    name=self.display_name,
                    renewal=self.renewal_ids[0].display_name,
                )
            )
        with ledger_writer():
            renewal = self.create(self._prepare_renewal())
        if self.renewal_product_id:
            renewal.renewal_order_id = self.env["sale.order"].create(
                self._prepare_renewal_order(renewal)
            )
        self.message_post(
            body=self.env._("Renewed by %(renewal)s", renewal=renewal.display_name)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.entitlement",
            "views": [(False, "form")],
            "res_id": renewal.id,
        }

    def _prepare_renewal(self):
        self.ensure_one()
        start = self.date_end + relativedelta(days=1)
        length = relativedelta(self.date_end + relativedelta(days=1), self.date_start)
        carried = 0.0
        if self.carry_over and self.remaining_terms > 0:
            carried = self.remaining_terms
            if self.carry_over_max:
                carried = min(carried, self.carry_over_max)
            if self.allocation_type == "incidents":
                carried = float(int(carried))
        vals = self.copy_data()[0]
        vals.update(
            {
                "previous_id": self.id,
                "date_start": start,
                "date_end": start + length - relativedelta(days=1),
                "total_terms": self.total_terms + carried,
                "state": "draft",
                "lot_ids": [Command.set(self.lot_ids.ids)],
                "product_ids": [Command.set(self.product_ids.ids)],
                "product_categ_ids": [Command.set(self.product_categ_ids.ids)],
                "excluded_fault_reason_ids": [
                    Command.set(self.excluded_fault_reason_ids.ids)
                ],
                "channel_limit_ids": [
                    Command.create(
                        {"channel": limit.channel, "max_terms": limit.max_terms}
                    )
                    for limit in self.channel_limit_ids
                ],
            }
        )
        vals.pop("code", None)
        if self.entitlement_type == "service_contract" and self.contract_line_ids:
            # The lines carry on; the coverage follows them.
            vals["contract_line_ids"] = self._prepare_renewal_contract_lines(start)
            vals["lot_ids"] = vals["product_ids"] = []
        return vals

    def _prepare_renewal_order(self, renewal):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "origin": self.code,
            "order_line": [
                Command.create(
                    {
                        "product_id": self.renewal_product_id.id,
                        "product_uom_qty": 1,
                        "name": self.env._(
                            "Renewal of %(name)s, %(start)s to %(end)s",
                            name=self.display_name,
                            start=format_date(self.env, renewal.date_start),
                            end=format_date(self.env, renewal.date_end),
                        ),
                    }
                )
            ],
        }

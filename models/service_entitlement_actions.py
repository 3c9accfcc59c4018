import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from .cron_batch import in_batches
from .ledger_guard import ledger_writer

_logger = logging.getLogger(__name__)


class ServiceEntitlement(models.Model):
    """The entitlement form's buttons (activate, cancel, reset to draft,
    the smart buttons) and the daily job that starts waiting entitlements
    and expires ended ones."""

    _inherit = "service.entitlement"

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(
            "service_entitlement.group_entitlement_manager"
        ):
            raise UserError(
                self.env._("Only entitlement managers can change the status.")
            )

    def action_activate(self):
        self._check_manager()
        today = fields.Date.context_today(self)
        for rec in self:
            if rec.state != "draft":
                raise UserError(
                    self.env._(
                        "Only draft entitlements can be activated; %(name)s is "
                        "not a draft.",
                        name=rec.display_name,
                    )
                )
            if rec.date_end < today:
                raise UserError(
                    self.env._(
                        "%(name)s ended on %(end)s: it cannot be activated.",
                        name=rec.display_name,
                        end=rec.date_end,
                    )
                )
            with ledger_writer():
                rec.state = "waiting" if rec.date_start > today else "active"
        return True

    def action_cancel(self):
        self._check_manager()
        if self.filtered(lambda r: r.state == "cancelled"):
            raise UserError(self.env._("This entitlement is already cancelled."))
        with ledger_writer():
            self.state = "cancelled"
        return True

    def action_draft(self):
        self._check_manager()
        if self.filtered(lambda r: r.state not in ("cancelled", "waiting")):
            raise UserError(
                self.env._("Only cancelled or waiting entitlements can be reset.")
            )
        with ledger_writer():
            self.state = "draft"
        return True

    @api.model
    def _cron_update_states(self):
        """Start waiting entitlements and expire finished ones, a batch at a
        time; returns those that changed.  Idempotent."""
        today = fields.Date.context_today(self)

        def start_or_expire(batch):
            ended = batch.filtered(lambda r: r.date_end < today)
            with ledger_writer():
                (batch - ended).write({"state": "active"})
                ended.write({"state": "expired"})

        changed = in_batches(
            self,
            [
                "|",
                "&",
                ("state", "=", "waiting"),
                ("date_start", "<=", today),
                "&",
                ("state", "in", ("waiting", "active")),
                ("date_end", "<", today),
            ],
            start_or_expire,
        )
        _logger.info("Entitlements started or expired: %s", len(changed))
        return changed

    def action_view_billing_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_billing_line_action"
        )
        action["domain"] = [("entitlement_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_view_invoices(self):
        self.ensure_one()
        invoices = (
            self.env["service.entitlement.billing.line"]
            .search([("entitlement_id", "=", self.id)])
            .invoice_id
        )
        action = self.env["ir.actions.actions"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_consumptions(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_consumption_action"
        )
        action["domain"] = [("entitlement_id", "=", self.id)]
        action["context"] = {"default_entitlement_id": self.id}
        return action

    def action_view_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "repair.action_repair_order_tree"
        )
        action["domain"] = [("entitlement_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

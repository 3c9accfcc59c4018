from odoo import api, fields, models
from odoo.exceptions import UserError

from .ledger_guard import flow_writes

# What a credit note made with Odoo's button carries of the lines it reverses.
REVERSAL_FACTS = (
    "service_period_start",
    "service_period_end",
    "service_annual_amount",
    "service_billing_credit_id",
)


class AccountMove(models.Model):
    _inherit = "account.move"

    service_repair_ids = fields.Many2many(
        "repair.order",
        string="Repairs",
        compute="_compute_service_repair_ids",
    )
    service_repair_count = fields.Integer(compute="_compute_service_repair_ids")

    @api.depends("invoice_line_ids.service_billing_line_id")
    def _compute_service_repair_ids(self):
        for move in self:
            # sudo: an invoice's reader sees its repairs' names, not billing lines
            repairs = move.invoice_line_ids.service_billing_line_id.sudo().repair_id
            move.service_repair_ids = repairs.with_env(self.env)
            move.service_repair_count = len(repairs)

    @api.constrains("move_type", "partner_id", "company_id")
    def _check_service_claim_kind(self):
        """A credit note that pays back a warranty claim stays a credit note
        of the claim's vendor, whatever the document is switched to."""
        self.line_ids.filtered("service_claim_id")._check_service_claim()

    def _reverse_moves(self, default_values_list=None, cancel=False):
        with flow_writes("account.move.line", *REVERSAL_FACTS):
            return super()._reverse_moves(
                default_values_list=default_values_list, cancel=cancel
            )

    def button_draft(self):
        """A cancelled invoice whose overages were invoiced again cannot come
        back: that would bill them twice."""
        for move in self.filtered(lambda m: m.state == "cancel"):
            billed = move.invoice_line_ids.service_billing_line_id.filtered(
                lambda line, move=move: line.invoice_id and line.invoice_id != move
            )
            if billed:
                raise UserError(
                    self.env._(
                        "%(move)s cannot be reset to draft: its overages are "
                        "invoiced again on %(others)s.",
                        move=move.display_name,
                        others=", ".join(billed.invoice_id.mapped("display_name")),
                    )
                )
        return super().button_draft()

    def action_view_service_repairs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "repair.action_repair_order_tree"
        )
        action["domain"] = [("id", "in", self.service_repair_ids.ids)]
        action["context"] = {"create": False}
        return action

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from .ledger_guard import ledger_writer


class ServiceEntitlement(models.Model):
    """Credits of a prepaid service contract: what an ended line, a cancelled
    contract or a transferred serial number was invoiced beyond its end."""

    _inherit = "service.entitlement"

    def _contract_close(self, day):
        """The contract ends on ``day``: lines that go on beyond it end then
        (lines that had not started are credited in full); what a prepaid
        period invoiced beyond it is credited."""
        for rec in self:
            lines = rec.contract_line_ids.filtered(
                lambda line, day=day: (
                    not line.credit_move_id
                    and (not line.date_end or line.date_end > day)
                )
            )
            started = lines.filtered(lambda line, day=day: line.date_start <= day)
            with ledger_writer():
                for line in started:
                    line._write_flow({"date_end": day})
            rec._contract_credit(lines, day)
            with ledger_writer():
                # sudo: the OCA lines follow the contract, whoever cancels it
                unstarted = (lines - started).contract_line_id.sudo()
                unstarted.write({"is_canceled": True})

    def _contract_credit(self, lines, day=None):
        """Credit note of what the invoices of ``lines`` cover after each
        line's end (or, for a line that had not started by ``day``, all of
        it): one per contract, made once per line."""
        self.ensure_one()
        lines = lines.filtered(lambda line: not line.credit_move_id)
        if not lines:
            return self.env["account.move"]
        credit_from = {line: line._credit_from(line.date_end, day) for line in lines}
        invoiced, credit_lines = self._contract_credit_values(credit_from)
        line_of = {line.contract_line_id: line for line in lines}
        draft = invoiced.filtered(lambda aml: aml.parent_state == "draft")
        if draft:
            line = line_of[draft[0].contract_line_id]
            raise UserError(
                self.env._(
                    "%(invoice)s invoices %(line)s from %(date)s on and is "
                    "still a draft: post or delete it first, so that those "
                    "days can be credited.",
                    invoice=draft[0].move_id.display_name,
                    line=line.name,
                    date=format_date(self.env, credit_from[line]),
                )
            )
        credit_lines = [Command.create(vals) for vals in credit_lines]
        credit = self.env["account.move"]
        if credit_lines:
            first = invoiced[0].move_id
            # The credit is the flow's, whoever ends the line (a manager
            # writes no invoices).
            credit = (
                self.env["account.move"]
                .with_company(self.company_id)
                ._flow_create(
                    {
                        "move_type": "out_refund",
                        "partner_id": first.partner_id.id,
                        "journal_id": first.journal_id.id,
                        "currency_id": first.currency_id.id,
                        "invoice_origin": self.code,
                        "ref": self.env._("%(code)s: service not used", code=self.code),
                        "invoice_user_id": first.invoice_user_id.id,
                        "invoice_line_ids": credit_lines,
                    }
                )
            )
            self.message_post(
                body=Markup(
                    self.env._("Credit note %(move)s made for the days not used.")
                )
                % {"move": credit._get_html_link()}
            )
        with ledger_writer():
            for line in {line_of[aml.contract_line_id] for aml in invoiced}:
                line._write_flow(
                    {"credit_move_id": credit.id, "credited_from": credit_from[line]}
                )
        return credit

    def _contract_credit_values(self, credit_from):
        """(The contract invoice lines, the values of the credit note lines)
        of what the invoices of the lines of ``credit_from`` ({line: first
        day to credit}) cover from that day on."""
        line_of = {line.contract_line_id: line for line in credit_from}
        invoiced = (
            # sudo: invoices are the clerk's; whoever ends the line, all count
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("contract_line_id", "in", [oca.id for oca in line_of]),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("parent_state", "!=", "cancel"),
                    ("service_period_end", ">=", min(credit_from.values())),
                ]
            )
            .filtered(
                lambda aml: (
                    aml.service_period_end >= credit_from[line_of[aml.contract_line_id]]
                )
            )
        )
        credited = self._contract_credited(invoiced)
        return invoiced, [
            vals
            for aml in invoiced
            for vals in aml._service_credit_vals(
                credit_from[line_of[aml.contract_line_id]],
                already=credited.get(aml.id, 0.0),
            )
            if vals
        ]

    def _contract_credited(self, invoiced):
        """``{invoice line id: amount}`` that credit notes made with Odoo's
        own button (reversals of their invoices) already gave back of each
        of the contract invoice lines ``invoiced``."""
        refunds = (
            # sudo: credit notes are the clerk's; whoever ends the line, all count
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("move_id.reversed_entry_id", "in", invoiced.move_id.ids),
                    ("move_id.move_type", "=", "out_refund"),
                    ("parent_state", "!=", "cancel"),
                    ("contract_line_id", "in", invoiced.contract_line_id.ids),
                ]
            )
        )
        credited = {}
        for aml in invoiced:
            credited[aml.id] = sum(
                refund.price_subtotal
                for refund in refunds
                if refund.move_id.reversed_entry_id == aml.move_id
                and refund.contract_line_id == aml.contract_line_id
                and refund.service_period_start == aml.service_period_start
            )
        return credited

    def _transfer_weight(self, lot):
        """A service contract weighs its serial numbers by their lines'
        annual amounts."""
        # sudo: the weights are the lines' prices, whoever moves the serial
        lines = self.sudo().contract_line_ids.filtered("in_force")
        total = sum(lines.mapped("line_amount"))
        if not total:
            return super()._transfer_weight(lot)
        own = lines.filtered(lambda line: line.lot_id == lot)
        return sum(own.mapped("line_amount")) / total

    def _transfer_release(self, lot, share):
        """A service contract ends the lines of ``lot`` the day before (a
        line that has not started nor been invoiced goes); what a prepaid
        period invoiced beyond is credited."""
        lines = self.contract_line_ids.filtered(
            lambda line: line.lot_id == lot and line.in_force
        )
        if not lines:
            return super()._transfer_release(lot, share)
        self.ensure_one()
        yesterday = fields.Date.context_today(self) - relativedelta(days=1)
        for line in lines:
            if line.date_start > yesterday and not line.last_date_invoiced:
                line.unlink()
            else:
                line.date_end = max(yesterday, line.date_start)
        if share:
            self.total_terms = max(self.total_terms - share, self.used_terms)
        if not self.contract_line_ids.filtered("in_force"):
            self.action_cancel()

from odoo import fields, models


class ServiceEntitlement(models.Model):
    """Profit of a service contract (Business Central's contract gain/loss):
    what its invoices and overage invoices earned, less its credit notes,
    against what the finished repairs it covers cost in parts and labour.
    Read from the profit analysis."""

    _inherit = "service.entitlement"

    profit_revenue = fields.Monetary(
        string="Revenue",
        compute="_compute_profit",
        groups="service_entitlement.group_billing_clerk",
        help="Posted contract and overage invoices, less credit notes, "
        "untaxed, in company currency.",
    )
    profit_cost = fields.Monetary(
        string="Cost",
        compute="_compute_profit",
        groups="service_entitlement.group_billing_clerk",
        help="Finished repairs the contract covers: their parts at cost and "
        "their labour hours at the company's labour cost per hour.",
    )
    profit_amount = fields.Monetary(
        string="Profit",
        compute="_compute_profit",
        groups="service_entitlement.group_billing_clerk",
    )
    profit_margin = fields.Float(
        string="Margin (%)",
        compute="_compute_profit",
        digits=(16, 2),
        groups="service_entitlement.group_billing_clerk",
        help="Profit in percent of the revenue; 0 without revenue.",
    )

    def _compute_profit(self):
        totals = {
            entitlement.id: (revenue, cost)
            for entitlement, revenue, cost in self.env[
                "service.entitlement.profit.report"
            ]
            # sudo: the contract's revenue and cost, whatever the reader may read
            .sudo()
            ._read_group(
                [("entitlement_id", "in", self._origin.ids)],
                ["entitlement_id"],
                ["revenue:sum", "cost:sum"],
            )
        }
        for rec in self:
            revenue, cost = totals.get(rec._origin.id, (0.0, 0.0))
            profit = revenue - cost
            rec.profit_revenue = revenue
            rec.profit_cost = cost
            rec.profit_amount = profit
            rec.profit_margin = (
                profit / revenue * 100.0
                if not rec.currency_id.is_zero(revenue)
                else 0.0
            )

    def action_view_profit(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "service_entitlement.service_entitlement_profit_report_action"
        )
        action["domain"] = [("entitlement_id", "=", self.id)]
        action["context"] = {"pivot_row_groupby": ["kind"]}
        return action

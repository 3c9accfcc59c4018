from odoo import fields, models, tools
from odoo.tools import SQL

KINDS = [
    ("contract_invoice", "Contract Invoice"),
    ("overage_invoice", "Overage Invoice"),
    ("credit_note", "Credit Note"),
    ("parts", "Parts Cost"),
    ("labor", "Labour Cost"),
]
# Row ids: an invoice line's id or a repair's id, times the number of kinds
# of rows they make, plus an offset per kind, so that each row keeps its id.
ID_STEP = 3


class ServiceEntitlementProfitReport(models.Model):
    """What a service contract earned and what its repairs cost (Business
    Central's contract gain/loss and profit statistics): one row per posted
    invoice or credit note line of the contract or of its overages, and per
    finished repair the parts at cost and the labour at the company's cost
    per hour.  Amounts in company currency."""

    _name = "service.entitlement.profit.report"
    _description = "Service Contract Profit Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "entitlement_id"
    # Flushed before the view is read.
    _depends = {
        "account.move": ["move_type"],
        "account.move.line": [
            "move_id",
            "balance",
            "company_id",
            "date",
            "display_type",
            "parent_state",
            "contract_line_id",
            "service_billing_line_id",
        ],
        "contract.line": ["contract_id"],
        "contract.contract": ["service_entitlement_id"],
        "service.entitlement.billing.line": ["entitlement_id"],
        "service.entitlement": ["partner_id"],
        "repair.order": [
            "state",
            "entitlement_id",
            "company_id",
            "labor_hours",
            "finished_date",
            "schedule_date",
        ],
        "stock.move": [
            "repair_id",
            "repair_line_type",
            "state",
            "product_id",
            "product_uom",
            "quantity",
        ],
        "product.product": ["standard_price", "product_tmpl_id"],
        "product.template": ["uom_id"],
        "res.company": ["currency_id", "entitlement_labor_cost_rate"],
    }

    entitlement_id = fields.Many2one(
        "service.entitlement", string="Service Contract", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    repair_id = fields.Many2one("repair.order", readonly=True)
    revenue = fields.Monetary(readonly=True)
    cost = fields.Monetary(readonly=True)
    profit = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )

    def _query(self):
        return SQL(
            """
            WITH invoice_lines AS (
                -- Lines of the invoices of the service contract's contract.
                SELECT aml.id, cc.service_entitlement_id AS entitlement_id
                  FROM account_move_line aml
                  JOIN contract_line cl ON cl.id = aml.contract_line_id
                  JOIN contract_contract cc ON cc.id = cl.contract_id
                 WHERE cc.service_entitlement_id IS NOT NULL
                   AND aml.service_billing_line_id IS NULL
                 UNION ALL
                -- Lines of the invoices of its overages.
                SELECT aml.id, bl.entitlement_id
                  FROM account_move_line aml
                  JOIN service_entitlement_billing_line bl
                    ON bl.id = aml.service_billing_line_id
            ),
            cost_fallback AS (
                -- A product's cost in a company where none was set: the
                -- default of the field, as the ORM reads it.
                SELECT DISTINCT ON (c.id) c.id AS company_id,
                       NULLIF(d.json_value, 'null')::numeric AS cost
                  FROM res_company c
                  JOIN ir_default d
                    ON d.company_id = c.id OR d.company_id IS NULL
                  JOIN ir_model_fields f ON f.id = d.field_id
                 WHERE f.model = 'product.product'
                   AND f.name = 'standard_price'
                   AND d.user_id IS NULL
                   AND d.condition IS NULL
                 ORDER BY c.id, d.company_id, d.id
            )
            SELECT aml.id::bigint * %(step)s AS id,
                   il.entitlement_id,
                   se.partner_id,
                   aml.company_id,
                   company.currency_id,
                   aml.date,
                   CASE
                       WHEN am.move_type = 'out_refund' THEN 'credit_note'
                       WHEN aml.service_billing_line_id IS NOT NULL
                           THEN 'overage_invoice'
                       ELSE 'contract_invoice'
                   END AS kind,
                   am.id AS move_id,
                   NULL::integer AS repair_id,
                   -aml.balance AS revenue,
                   0.0 AS cost,
                   -aml.balance AS profit
              FROM invoice_lines il
              JOIN account_move_line aml ON aml.id = il.id
              JOIN account_move am ON am.id = aml.move_id
              JOIN service_entitlement se ON se.id = il.entitlement_id
              JOIN res_company company ON company.id = aml.company_id
             WHERE aml.parent_state = 'posted'
               AND aml.display_type = 'product'
               AND am.move_type IN ('out_invoice', 'out_refund')
               AND se.entitlement_type = 'service_contract'
             UNION ALL
            SELECT ro.id::bigint * %(step)s + 1 AS id,
                   ro.entitlement_id,
                   se.partner_id,
                   ro.company_id,
                   company.currency_id,
                   COALESCE(ro.finished_date, ro.schedule_date::date) AS date,
                   'parts' AS kind,
                   NULL::integer AS move_id,
                   ro.id AS repair_id,
                   0.0 AS revenue,
                   SUM(part.cost) AS cost,
                   -SUM(part.cost) AS profit
              FROM repair_order ro
              JOIN service_entitlement se ON se.id = ro.entitlement_id
              JOIN res_company company ON company.id = ro.company_id
              JOIN stock_move sm
                ON sm.repair_id = ro.id
               AND sm.repair_line_type = 'add'
               AND sm.state = 'done'
              JOIN product_product pp ON pp.id = sm.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN uom_uom move_uom ON move_uom.id = sm.product_uom
              JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
         LEFT JOIN cost_fallback cf ON cf.company_id = ro.company_id
             CROSS JOIN LATERAL (
                   -- The quantity in the product's unit, at its cost in the
                   -- repair's company (company-dependent: a jsonb by company).
                   SELECT sm.quantity / move_uom.factor * product_uom.factor
                          * COALESCE(
                              (pp.standard_price ->> ro.company_id::text)::numeric,
                              cf.cost,
                              0
                          ) AS cost
             ) part
             WHERE ro.state = 'done'
               AND se.entitlement_type = 'service_contract'
          GROUP BY ro.id, ro.entitlement_id, se.partner_id, ro.company_id,
                   company.currency_id
             UNION ALL
            SELECT ro.id::bigint * %(step)s + 2 AS id,
                   ro.entitlement_id,
                   se.partner_id,
                   ro.company_id,
                   company.currency_id,
                   COALESCE(ro.finished_date, ro.schedule_date::date) AS date,
                   'labor' AS kind,
                   NULL::integer AS move_id,
                   ro.id AS repair_id,
                   0.0 AS revenue,
                   labor.cost,
                   -labor.cost AS profit
              FROM repair_order ro
              JOIN service_entitlement se ON se.id = ro.entitlement_id
              JOIN res_company company ON company.id = ro.company_id
             CROSS JOIN LATERAL (
                   SELECT ro.labor_hours
                          * COALESCE(company.entitlement_labor_cost_rate, 0) AS cost
             ) labor
             WHERE ro.state = 'done'
               AND ro.labor_hours > 0
               AND se.entitlement_type = 'service_contract'
            """,
            step=ID_STEP,
        )

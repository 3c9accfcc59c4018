from odoo import fields, models, tools
from odoo.tools import SQL

RATING_TEXTS = [
    ("top", "Satisfied"),
    ("ok", "Okay"),
    ("ko", "Dissatisfied"),
]


class RepairRatingReport(models.Model):
    """What customers thought of their repairs: one row per answered rating
    of a repair, with the repair's technician, product, serial number and
    entitlement, to read satisfaction by each of them."""

    _name = "service.repair.rating.report"
    _description = "Repair Satisfaction Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "repair_id"
    _depends = {
        "rating.rating": [
            "res_model",
            "res_id",
            "rating",
            "rating_text",
            "feedback",
            "consumed",
            "write_date",
        ],
        "repair.order": [
            "user_id",
            "product_id",
            "lot_id",
            "entitlement_id",
            "partner_id",
            "company_id",
        ],
    }

    date = fields.Datetime(readonly=True)
    repair_id = fields.Many2one("repair.order", readonly=True)
    user_id = fields.Many2one("res.users", string="Technician", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Serial Number", readonly=True)
    entitlement_id = fields.Many2one("service.entitlement", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    rating = fields.Float(string="Rating (1-5)", readonly=True, aggregator="avg")
    rating_text = fields.Selection(RATING_TEXTS, string="Satisfaction", readonly=True)
    satisfied = fields.Float(
        string="Satisfied (%)",
        readonly=True,
        aggregator="avg",
        help="100 for a satisfied customer, 0 otherwise: its average is the "
        "share of satisfied customers.",
    )
    feedback = fields.Text(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %s AS (
                    SELECT rating.id AS id,
                           rating.write_date AS date,
                           repair.id AS repair_id,
                           repair.user_id AS user_id,
                           repair.product_id AS product_id,
                           repair.lot_id AS lot_id,
                           repair.entitlement_id AS entitlement_id,
                           repair.partner_id AS partner_id,
                           repair.company_id AS company_id,
                           rating.rating AS rating,
                           rating.rating_text AS rating_text,
                           CASE WHEN rating.rating_text = 'top' THEN 100.0
                                ELSE 0.0 END AS satisfied,
                           rating.feedback AS feedback
                      FROM rating_rating rating
                      JOIN repair_order repair ON repair.id = rating.res_id
                     WHERE rating.res_model = 'repair.order'
                       AND rating.consumed
                       AND rating.rating > 0
                )
                """,
                SQL.identifier(self._table),
            )
        )

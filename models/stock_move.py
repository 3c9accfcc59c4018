from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _create_repair_sale_order_line(self):
        res = super()._create_repair_sale_order_line()
        self.repair_id._entitlement_apply_cost_coverage()
        return res

from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_entitlement_scope(self):
        """A product an entitlement covers stays (archive it instead): with
        none left, the entitlement would cover everything."""
        self.env["service.entitlement"]._check_scope_unlink(
            self, "product_ids", self.env._("covered products")
        )

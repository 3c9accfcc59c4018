from odoo import api, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_entitlement_scope(self):
        """A category an entitlement covers stays: with none left, the
        entitlement would cover everything."""
        self.env["service.entitlement"]._check_scope_unlink(
            self, "product_categ_ids", self.env._("covered product categories")
        )

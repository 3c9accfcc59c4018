from odoo import api, fields, models


class ServiceFaultReason(models.Model):
    _name = "service.fault.reason"
    _description = "Fault Reason"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    not_defect = fields.Boolean(
        string="Not a Defect",
        help="The item was not faulty when sold (an accident, wear, misuse): "
        "a warranty that carries no entitlement's terms (the seller's legal "
        "guarantee, a supplier's warranty) does not pay for it.",
    )
    supplier_defect = fields.Boolean(
        help="A defect of the supplier's making: a repair with this fault, "
        "under a supplier's warranty, drafts a warranty claim to the supplier "
        "when it is done.",
    )
    excluded_categ_ids = fields.Many2many(
        "product.category",
        "service_fault_reason_excluded_categ_rel",
        "fault_reason_id",
        "categ_id",
        string="Parts Not Covered",
        help="Parts of these categories (and their subcategories) are not "
        "covered when a repair has this fault reason: the customer pays them "
        "in full, while the rest of the repair stays covered.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a fault reason must be unique."),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_excluded(self):
        """A reason an entitlement excludes stays (archive it instead):
        deleting it would let the entitlement cover it."""
        self.env["service.entitlement"]._check_scope_unlink(
            self, "excluded_fault_reason_ids", self.env._("excluded fault reasons")
        )

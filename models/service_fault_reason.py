from odoo import fields, models


class ServiceFaultReason(models.Model):
    _name = "service.fault.reason"
    _description = "Fault Reason"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
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

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

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a fault reason must be unique."),
    ]

from odoo import api, models

from .ledger_guard import is_ledger_writer


class IrDefault(models.Model):
    """A saved default is a value every new record of its user gets: none
    may be saved for a field only the service flow writes."""

    _inherit = "ir.default"

    @api.model_create_multi
    def create(self, vals_list):
        defaults = super().create(vals_list)
        defaults._check_flow_only()
        return defaults

    def write(self, vals):
        res = super().write(vals)
        if {"field_id", "json_value"} & vals.keys():
            self._check_flow_only()
        return res

    def _check_flow_only(self):
        if is_ledger_writer():
            return
        # sudo: whoever saves a default is checked, whatever he may read of its field
        for default in self.sudo():
            field = default.field_id
            if field.model not in self.env:
                continue
            Model = self.env[field.model]
            # Facts only: a saved default product of invoice lines is fine,
            # posted service lines are frozen whatever their defaults.
            if Model._flow_only_fields().get(field.name) is True:
                Model._flow_refuse(field.name)

"""The email composer a Send button opens, with its template."""


def composer_action(records, template_xmlid, layout, **context):
    """The action opening Odoo's composer on ``records`` with the template
    ``template_xmlid`` in the email layout ``layout``; ``context`` adds the
    keys that say what sending marks."""
    template = records.env.ref(template_xmlid)
    return {
        "type": "ir.actions.act_window",
        "res_model": "mail.compose.message",
        "view_mode": "form",
        "views": [(False, "form")],
        "target": "new",
        "context": {
            "default_model": records._name,
            "default_res_ids": records.ids,
            "default_template_id": template.id,
            "default_composition_mode": "comment",
            "default_email_layout_xmlid": layout,
            **context,
        },
    }

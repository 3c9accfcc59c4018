"""What an action returns: the little notification when it has done its
work, or the dialog that asks what it needs first."""

# Reload the view the action was started from, so its counters follow.
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
# Close the dialog the action was started from.
CLOSE = {"type": "ir.actions.act_window_close"}


def notification(message, kind="success", title=None, then="reload"):
    """A client action showing ``message`` (``kind``: success, info or
    warning) under ``title``, then doing ``then``: "reload" the view it was
    started from, another action, or None to stay where the user is."""
    params = {"message": message, "type": kind}
    if title:
        params["title"] = title
    if then:
        params["next"] = dict(RELOAD) if then == "reload" else then
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": params,
    }


def dialog(res_model, name, **context):
    """The action opening a new record of the wizard ``res_model`` in a
    dialog titled ``name``, with ``context`` (its ``default_*`` values)."""
    return {
        "type": "ir.actions.act_window",
        "name": name,
        "res_model": res_model,
        "view_mode": "form",
        "target": "new",
        "context": context,
    }

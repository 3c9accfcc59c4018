"""Who may do what, where a model method is called by one role only."""

from odoo.exceptions import AccessError


def check_roles(env, groups, message):
    """Raise ``AccessError(message)`` unless the user is the superuser or in
    one of the add-on's ``groups`` (names without the module prefix)."""
    if env.su or any(
        env.user.has_group(f"service_entitlement.{group}") for group in groups
    ):
        return
    raise AccessError(message)

"""Fault reasons now say whether the fault is *Not a Defect* (warranties
without an entitlement's terms do not pay for it) or a *Supplier Defect*
(claimed from the supplier).  The add-on's own reasons are kept as the
company left them (no update): mark them."""

from odoo import SUPERUSER_ID, api

NOT_DEFECTS = (
    "fault_reason_wear_and_tear",
    "fault_reason_accidental_damage",
    "fault_reason_liquid_damage",
    "fault_reason_misuse",
    "fault_reason_unknown",
)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    reasons = env["service.fault.reason"].with_context(active_test=False)
    for xmlid in NOT_DEFECTS:
        reason = env.ref(f"service_entitlement.{xmlid}", raise_if_not_found=False)
        if reason:
            reasons |= reason
    reasons.write({"not_defect": True})
    defect = env.ref(
        "service_entitlement.fault_reason_manufacturing_defect",
        raise_if_not_found=False,
    )
    if defect:
        defect.supplier_defect = True

"""Channel limits now store the terms their channel used, kept in step with
the ledger by the ledger itself: fill them from the ledger once."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE service_entitlement_channel_limit l
           SET used_terms = COALESCE((
               SELECT sum(c.quantity) FROM service_entitlement_consumption c
                WHERE c.entitlement_id = l.entitlement_id AND c.channel = l.channel
           ), 0)
        """
    )

"""Entitlements in bulk, written in SQL, for the query-count tests and the
benchmarks: fast, and invisible to the ORM's caches.  The one place that
knows which columns an entitlement row needs."""

from dateutil.relativedelta import relativedelta

# An active warranty of five incidents, blocking, consumed on confirmation,
# covering everything; ``values`` of ``insert_entitlements`` change any of it.
DEFAULTS = {
    "name": "'Bulk ' || g",
    "code": "'BULK/' || g",
    "entitlement_type": "'warranty'",
    "state": "'active'",
    "allocation_type": "'incidents'",
    "total_terms": "5",
    "used_terms": "0",
    "remaining_terms": "5",
    "remaining_percent": "100",
    "limit_policy": "'block'",
    "consume_on": "'confirm'",
    "coverage_scope": "'all'",
    "active": "true",
    "is_default": "false",
    "parts_coverage_percent": "100",
    "labor_coverage_percent": "100",
    "overage_price": "0",
    "alert_threshold_percent": "20",
    "has_channel_limits": "false",
    "invoice_period": "'none'",
    "proration_method": "'month_parts'",
    "period_alignment": "'first_month'",
    "planned_next_on": "'created'",
    "create_uid": "1",
    "write_uid": "1",
    "create_date": "now()",
    "write_date": "now()",
}


def insert_entitlements(cr, count, values, params=None, lateral=""):
    """INSERT ``count`` entitlements, one per ``g`` from 1 to ``count``.

    ``values`` maps columns to SQL expressions over ``g`` (and ``lateral``,
    a LATERAL join on it) with ``%(name)s`` placeholders taken from
    ``params``; ``partner_id``, ``company_id``, ``date_start`` and
    ``date_end`` have no default."""
    columns = {**DEFAULTS, **values}
    cr.execute(
        f"INSERT INTO service_entitlement ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} "
        f"FROM generate_series(1, %(count)s) g {lateral}",
        {**(params or {}), "count": count},
    )


def insert_others_and_expired(case, count, values=None):
    """``count`` entitlements for a query-count test (a RepairEntitlementCase):
    active ones of 200 other customers and, one in a hundred, expired ones of
    the case's customer; ``values`` changes more columns."""
    env = case.env
    partners = env["res.partner"].create(
        [{"name": f"Bulk customer {i}", "is_company": True} for i in range(200)]
    )
    env.flush_all()
    start = case.start - relativedelta(years=2)
    insert_entitlements(
        env.cr,
        count,
        {
            "partner_id": "CASE WHEN g %% 100 = 0 THEN %(own)s "
            "ELSE (%(partners)s)[1 + g %% %(npartners)s] END",
            "company_id": "%(company)s",
            "state": "CASE WHEN g %% 100 = 0 THEN 'expired' ELSE 'active' END",
            "date_start": "%(start)s",
            "date_end": "CASE WHEN g %% 100 = 0 THEN %(old_end)s ELSE %(end)s END",
            **(values or {}),
        },
        {
            "own": case.customer.id,
            "partners": partners.ids,
            "npartners": len(partners),
            "company": case.company.id,
            "start": start,
            "old_end": start + relativedelta(years=1),
            "end": case.end,
        },
    )

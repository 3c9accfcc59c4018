from odoo import api, models
from odoo.tools import SQL

from .ledger_guard import flow_writes, ledger_writer
from .service_entitlement_consumer_mixin import (
    CANDIDATE_FIELDS,
    MATCH_ALL,
    MATCH_CATEGORY,
    MATCH_LOT,
    MATCH_PRODUCT,
)


class ServiceEntitlementConsumerMixin(models.AbstractModel):
    """Matching: which entitlements may cover the document, and the best
    of them."""

    _inherit = "service.entitlement.consumer.mixin"

    def _entitlement_candidates(self):
        """Entitlements of the customer that cover the document's item, with
        what validity, ranking and the verdict read (state, dates, default,
        name) fetched."""
        return self._entitlement_match()[0]

    def _entitlement_match(self):
        """(candidates, facts): the entitlements of the customer that cover
        the document's item, and {entitlement id: (match level, whether it
        excludes the document's fault reason)} for them.

        One query whatever the number of entitlements in the database: it
        reads the customer's entitlements of the company in the candidate
        states through the index on partner, company and state, and tells of
        each how it matches the item (the primary keys of the coverage
        relation tables).  What validity, ranking, the verdict and the cost
        coverage read of the candidates is fetched with them.
        """
        return self._entitlement_match_with(None)[0]

    def _entitlement_match_with(self, along):
        """(``_entitlement_match()``, the value of the SQL expression
        ``along``): a value the document needs besides its entitlements,
        read in the match's statement (one round trip for both).  The value
        is None when no statement ran (no customer) or ``along`` is None."""
        self.ensure_one()
        # sudo: all the customer's entitlements in the company are candidates, whoever
        Entitlement = self.env["service.entitlement"].sudo()
        partner = self._entitlement_get_partner()._origin
        if not partner:
            return (Entitlement, {}), None
        Entitlement.flush_model(["coverage_scope", *CANDIDATE_FIELDS])
        query = Entitlement._search(
            [
                ("company_id", "=", self._entitlement_get_company().id),
                ("state", "in", ("active", "waiting", "expired")),
            ],
            order="date_end, id",
        )
        table = query.table
        query.add_where(
            SQL(
                "%s = %s",
                SQL.identifier(table, "partner_id"),
                # sudo: the customer's company, whatever partners the asker may read
                partner.sudo().commercial_partner_id.id,
            )
        )
        fields = [Entitlement._fields[fname] for fname in CANDIDATE_FIELDS]
        level, excluded = self._entitlement_match_sql(SQL.identifier(table, "id"))
        select = query.select(
            SQL.identifier(table, "id"),
            *(Entitlement._field_to_sql(table, field.name, query) for field in fields),
            SQL("%s = 'all'", SQL.identifier(table, "coverage_scope")),
            level,
            excluded,
        )
        value = None
        if along is not None:
            # One row with the value even without candidates.
            select = SQL(
                "SELECT a.v, c.* FROM (SELECT (%s) AS v) AS a "
                "LEFT JOIN LATERAL (%s) AS c ON TRUE",
                along,
                select,
            )
        rows = self.env.execute_query(select)
        if along is not None:
            value = rows[0][0]
            rows = [row[1:] for row in rows if row[1] is not None]
        # Covering the item: by one of its coverage relations, or everything.
        rows = [row for row in rows if row[-2] < MATCH_ALL or row[-3]]
        if not rows:
            return (Entitlement, {}), value
        columns = list(zip(*rows, strict=True))
        candidates = Entitlement.browse(columns[0])
        for field, values in zip(fields, columns[1:], strict=False):
            self.env.cache.insert_missing(candidates, field, values)
        facts = {row[0]: (row[-2], row[-1]) for row in rows}
        return (candidates, facts), value

    def _entitlement_match_sql(self, entitlement_id):
        """SQL (match level, excludes the fault reason) of the entitlement
        whose id is the SQL ``entitlement_id``, for the document's item and
        fault reason: what ranking and eligibility need of the coverage
        relations."""
        lot = self._entitlement_get_lot()._origin
        product = (self._entitlement_get_product() or lot.product_id)._origin
        reason = self._entitlement_get_fault_reason()._origin
        Entitlement = self.env["service.entitlement"]
        Entitlement.flush_model(
            ["lot_ids", "product_ids", "product_categ_ids", "excluded_fault_reason_ids"]
        )

        def related(fname, values):
            """Whether the entitlement is related to one of ``values`` (a
            recordset, or SQL giving an array of ids): archived records do
            not count, as in the field's value.  Conditions on the relation's
            primary key and uncorrelated subqueries only, which PostgreSQL
            plans quickly (this runs at every match)."""
            if isinstance(values, models.BaseModel):
                if not values:
                    return SQL("FALSE")
                if "active" in values._fields:
                    values = SQL(
                        "ARRAY(SELECT id FROM %s WHERE id = ANY(%s) AND active)",
                        SQL.identifier(values._table),
                        values.ids,
                    )
                else:
                    values = SQL("%s", values.ids)
            field = Entitlement._fields[fname]
            return SQL(
                "EXISTS (SELECT 1 FROM %s r WHERE %s = %s AND %s = ANY(%s::int[]))",
                SQL.identifier(field.relation),
                SQL.identifier("r", field.column1),
                entitlement_id,
                SQL.identifier("r", field.column2),
                values,
            )

        level = SQL(
            "CASE WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s ELSE %s END",
            related("lot_ids", lot),
            MATCH_LOT,
            related("product_ids", product),
            MATCH_PRODUCT,
            related(
                "product_categ_ids",
                self._entitlement_category_path(product) if product else product,
            ),
            MATCH_CATEGORY,
            MATCH_ALL,
        )
        return level, related("excluded_fault_reason_ids", reason)

    def _entitlement_category_path(self, product):
        """SQL: the array of the ids of the product's category and its
        parents."""
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["categ_id"])
        self.env["product.category"].flush_model(["parent_path"])
        return SQL(
            """(SELECT string_to_array(rtrim(c.parent_path, '/'), '/')::int[]
                  FROM product_category c
                 WHERE c.id = (SELECT t.categ_id
                                 FROM product_template t
                                WHERE t.id = (SELECT p.product_tmpl_id
                                                FROM product_product p
                                               WHERE p.id = %s)))""",
            product.id,
        )

    def _entitlement_match_facts(self, entitlements):
        """{entitlement id: (match level, whether it excludes the document's
        fault reason)} for ``entitlements``, in one query whatever their
        number."""
        self.ensure_one()
        ids = entitlements._origin.ids
        if not ids:
            return {}
        level, excluded = self._entitlement_match_sql(SQL("e.id"))
        rows = self.env.execute_query(
            SQL(
                "SELECT e.id, %s, %s FROM unnest(%s::int[]) AS e(id)",
                level,
                excluded,
                ids,
            )
        )
        return {
            entitlement_id: (level, excluded)
            for entitlement_id, level, excluded in rows
        }

    def _entitlement_match_level(self, entitlement):
        facts = self._entitlement_match_facts(entitlement)
        return facts.get(entitlement._origin.id, (MATCH_ALL, False))[0]

    def _entitlement_is_valid_on(self, entitlement, date):
        return (
            entitlement.state == "active"
            and entitlement.date_start <= date <= entitlement.date_end
        )

    def _entitlement_excludes(self, entitlement):
        reason = self._entitlement_get_fault_reason()
        return bool(reason and reason in entitlement.excluded_fault_reason_ids)

    def _entitlement_rank(self, entitlements, facts=None):
        """Eligible entitlements, best first: most specific coverage, then
        the default one, then the earliest end date, then the oldest.  The
        coverage levels come from ``facts`` (of ``_entitlement_match``), else
        from one query."""
        if len(entitlements) < 2:
            return entitlements
        if facts is None:
            facts = self._entitlement_match_facts(entitlements)
        return entitlements.sorted(
            lambda e: (
                facts.get(e._origin.id, (MATCH_ALL, False))[0],
                not e.is_default,
                e.date_end,
                e.id,
            )
        )

    def _entitlement_eligible(self, match=None):
        """Candidates valid on the document's date that do not exclude its
        fault reason; ``match`` is what ``_entitlement_match`` returned, if
        the caller has it."""
        self.ensure_one()
        candidates, facts = match or self._entitlement_match()
        date = self._entitlement_get_date()
        return candidates.filtered(
            lambda e: (
                self._entitlement_is_valid_on(e, date)
                and not facts.get(e.id, (MATCH_ALL, False))[1]
            )
        )

    def _entitlement_ranked_eligible(self):
        """Eligible entitlements, best first, from one query."""
        match = self._entitlement_match()
        return self._entitlement_rank(self._entitlement_eligible(match), match[1])

    @api.depends(lambda self: self._entitlement_match_depends())
    def _compute_entitlement_eligible_ids(self):
        self.entitlement_eligible_ids = False
        for doc in self._service_using("entitlements"):
            doc.entitlement_eligible_ids = doc._entitlement_ranked_eligible().with_env(
                self.env
            )

    @api.depends()
    def _compute_entitlement_id(self):
        """The best eligible entitlement of a new open document (computed
        before its row is inserted)."""
        for doc in self:
            doc.entitlement_id = doc._entitlement_best()[0]

    def _entitlement_best(self, along=None):
        """(the best eligible entitlement of a new open document, the value
        of ``along`` read with the match: see ``_entitlement_match_with``)."""
        self.ensure_one()
        if self._entitlement_bypassed() or not self._entitlement_is_open():
            return self.env["service.entitlement"], None
        match, value = self._entitlement_match_with(along)
        best = self._entitlement_rank(self._entitlement_eligible(match), match[1])
        return best[:1].with_env(self.env), value

    def _entitlement_rematch(self, lives=None):
        """Choose the best eligible entitlement for open documents that have
        not consumed yet."""
        if self._entitlement_bypassed():
            return
        if lives is None:
            lives = self._entitlement_live_consumptions(include_open=False)
        for doc in self:
            if not doc._entitlement_is_open() or doc.id in lives:
                continue
            best = doc._entitlement_ranked_eligible()[:1]
            if best != doc.entitlement_id:
                # Chosen among the eligible ones: no need to check it again.
                with ledger_writer(), flow_writes(self._name, "entitlement_id"):
                    doc.entitlement_id = best.with_env(self.env)

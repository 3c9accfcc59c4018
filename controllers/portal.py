from urllib.parse import quote

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EntitlementPortal(CustomerPortal):
    """My Entitlements: coverage, terms left, usage, statement, repair requests."""

    _items_per_page = 20

    def _entitlement_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "=", partner.id), ("state", "!=", "draft")]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "entitlement_count" in counters:
            Entitlement = request.env["service.entitlement"]
            values["entitlement_count"] = (
                Entitlement.search_count(self._entitlement_domain())
                if Entitlement.has_access("read")
                else 0
            )
        return values

    @http.route(
        ["/my/entitlements", "/my/entitlements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_entitlements(self, page=1, **kw):
        Entitlement = request.env["service.entitlement"]
        domain = self._entitlement_domain()
        count = Entitlement.search_count(domain)
        pager = portal_pager(
            url="/my/entitlements",
            total=count,
            page=page,
            step=self._items_per_page,
        )
        entitlements = Entitlement.search(
            domain,
            order="state, date_end",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_entitlements_history"] = entitlements.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "entitlements": entitlements,
                "page_name": "entitlement",
                "pager": pager,
                "default_url": "/my/entitlements",
            }
        )
        return request.render("service_entitlement.portal_my_entitlements", values)

    def _entitlement_or_404(self, entitlement_id, access_token=None):
        try:
            return self._document_check_access(
                "service.entitlement", entitlement_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None

    @http.route(
        ["/my/entitlements/<int:entitlement_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_entitlement(
        self, entitlement_id, access_token=None, report_type=None, download=False, **kw
    ):
        entitlement = self._entitlement_or_404(entitlement_id, access_token)
        if entitlement is None:
            raise request.not_found()
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=entitlement,
                report_type=report_type,
                report_ref="service_entitlement.service_entitlement_report_action",
                download=download,
            )
        values = self._get_page_view_values(
            entitlement,
            access_token,
            {
                "page_name": "entitlement",
                "entitlement": entitlement,
                "lots": entitlement._portal_requestable_lots(),
                "can_request": entitlement._portal_can_request_repair(),
                "message": kw.get("message"),
                "error": kw.get("error"),
            },
            "my_entitlements_history",
            False,
        )
        return request.render("service_entitlement.portal_entitlement_page", values)

    @http.route(
        ["/my/entitlements/<int:entitlement_id>/repair"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_request_repair(self, entitlement_id, lot_id=None, description="", **kw):
        entitlement = self._entitlement_or_404(entitlement_id)
        if entitlement is None:
            raise request.not_found()
        url = f"/my/entitlements/{entitlement.id}"
        try:
            lot = request.env["stock.lot"].browse(int(lot_id or 0))
            repair = request.env["repair.order"]._create_from_portal_request(
                entitlement, request.env.user.partner_id, lot, description
            )
        except (UserError, ValueError) as error:
            return request.redirect(f"{url}?error={quote(str(error))}")
        message = request.env._(
            "Your repair request %(repair)s was received.", repair=repair.name
        )
        return request.redirect(f"{url}?message={quote(message)}")

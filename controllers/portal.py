import binascii
import re

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

CONTRACT_REPORT = "service_entitlement.service_entitlement_contract_report_action"


class EntitlementPortal(CustomerPortal):
    """My Entitlements: coverage, terms left, usage, statement, repair requests."""

    _items_per_page = 20

    def _entitlement_domain(self):
        """The customer's entitlements, and the quotes sent to them."""
        partner = request.env.user.partner_id.commercial_partner_id
        return [
            ("partner_id", "=", partner.id),
            "|",
            ("state", "!=", "draft"),
            ("quote_sent", "=", True),
        ]

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
        # The loaners the customer has (their own loans, by record rule); the
        # serial numbers and repairs are read past the stock's access rights.
        loans = request.env["service.loaner.loan"].search([("state", "=", "lent")])
        # The service campaigns about their serial numbers, not done yet.
        campaign_items = request.env["service.campaign.item"].search(
            [("state", "in", ("pending", "open"))]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "entitlements": entitlements,
                # sudo: his loans' and items' serials and repairs, unreadable to him
                "loans_sudo": loans.sudo(),
                "campaign_items_sudo": campaign_items.sudo(),
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
        [
            "/my/entitlements/<int:entitlement_id>",
            "/my/entitlements/<int:entitlement_id>/page/<int:page>",
        ],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_entitlement(
        self,
        entitlement_id,
        access_token=None,
        report_type=None,
        download=False,
        page=1,
        **kw,
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
        return self._entitlement_page(
            entitlement,
            access_token,
            message=self._entitlement_notice(entitlement, kw.get("message"), kw),
            page=page,
        )

    def _entitlement_notice(self, entitlement, code, kw):
        """The notice a redirect asks for by its code: the page says only
        what it knows itself, never text taken from the URL."""
        if code == "sign_ok":
            return request.env._(
                "Thank you: your service contract is signed and in force."
            )
        if code == "repair_ok":
            repair_id = kw.get("repair_id")
            # sudo: the customer cannot read repairs; only his entitlement's is named
            repair = (
                request.env["repair.order"]
                .sudo()
                .browse(int(repair_id) if str(repair_id or "").isdigit() else [])
            )
            repair = repair.exists().filtered(lambda r: r.entitlement_id == entitlement)
            if repair:
                return request.env._(
                    "Your repair request %(repair)s was received.", repair=repair.name
                )
            return request.env._("Your repair request was received.")
        return None

    def _entitlement_page(
        self, entitlement, access_token=None, message=None, error=None, page=1
    ):
        user = request.env.user
        # The usage, a page at a time (newest first): an entitlement may have
        # been used thousands of times.
        pager = portal_pager(
            url=f"/my/entitlements/{entitlement.id}",
            url_args={"access_token": access_token} if access_token else None,
            total=entitlement.consumption_count,
            page=page,
            step=self._items_per_page,
        )
        usage, ratings = entitlement._portal_usage(
            offset=pager["offset"], limit=self._items_per_page
        )
        values = self._get_page_view_values(
            entitlement,
            access_token,
            {
                "page_name": "entitlement",
                "entitlement": entitlement,
                "lots": entitlement._portal_requestable_lots(),
                "can_request": entitlement._portal_can_request_repair(),
                "request_terms": entitlement._portal_request_terms(),
                "requests": entitlement._portal_requests(),
                "usage": usage,
                "usage_ratings": ratings,
                "usage_pager": pager,
                "can_sign": self._contract_can_be_signed(entitlement),
                "signer_name": "" if user._is_public() else user.partner_id.name,
                "message": message,
                "error": error,
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
        if not isinstance(description, str):
            description = ""
        if not (isinstance(lot_id, str) and lot_id.isdigit()):
            return self._entitlement_page(
                entitlement,
                error=request.env._("Choose one of the covered serial numbers."),
            )
        try:
            with request.env.cr.savepoint():
                repair = request.env["repair.order"]._create_from_portal_request(
                    entitlement,
                    request.env.user.partner_id,
                    request.env["stock.lot"].browse(int(lot_id)),
                    description,
                )
        except UserError as error:
            return self._entitlement_page(entitlement, error=str(error))
        return request.redirect(
            f"/my/entitlements/{entitlement.id}?message=repair_ok&repair_id={repair.id}"
        )

    # ------------------------------------------------------------------
    # Service contracts: the contract PDF, quotes signed on the portal
    # ------------------------------------------------------------------

    def _contract_can_be_signed(self, entitlement_sudo):
        return (
            entitlement_sudo.entitlement_type == "service_contract"
            and entitlement_sudo._quote_can_be_signed()
        )

    @http.route(
        ["/my/entitlements/<int:entitlement_id>/contract"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_entitlement_contract(
        self, entitlement_id, access_token=None, report_type="pdf", download=False, **kw
    ):
        """The service contract as a document: lines, prices, invoicing and
        the customer's signature."""
        entitlement = self._entitlement_or_404(entitlement_id, access_token)
        if (
            entitlement is None
            or entitlement.entitlement_type != "service_contract"
            or report_type not in ("html", "pdf", "text")
        ):
            raise request.not_found()
        response = self._show_report(
            model=entitlement,
            report_type=report_type,
            report_ref=CONTRACT_REPORT,
            download=download,
        )
        if report_type == "pdf" and download:
            name = request.env._("Contract %(code)s", code=entitlement.code)
            response.headers["Content-Disposition"] = content_disposition(
                "{}.pdf".format(re.sub(r"\W+", "_", name))
            )
        return response

    def _contract_signer_error(self, access_token, signature):
        """Why the request cannot sign at all, if it cannot: parameters of
        the wrong type, or a staff member (staff never sign in the
        customer's name, token or not)."""
        if not isinstance(access_token, str | None) or not isinstance(
            signature, str | None
        ):
            return request.env._("Invalid service contract.")
        if request.env.user._is_internal():
            return request.env._(
                "Only the customer signs a service contract quote: send it to "
                "them, or record an acceptance without signature."
            )
        return None

    def _contract_accept_error(self, contract_sudo, name, signature):
        """Why the quote cannot be accepted with ``name`` and ``signature``,
        if it cannot."""
        if contract_sudo.signed_on:
            return request.env._(
                "This service contract was already signed by %(signer)s.",
                signer=contract_sudo.signed_by,
            )
        blocked = contract_sudo._blocked_lines_in_force()
        if blocked:
            return request.env._(
                "This quote names a blocked service item (%(lot)s): please contact us.",
                lot=blocked[0].lot_id.name,
            )
        if not self._contract_can_be_signed(contract_sudo):
            return request.env._("This quote cannot be signed any more.")
        if not name:
            return request.env._("Your name is missing.")
        if not signature:
            return request.env._("Signature is missing.")
        return None

    @http.route(
        ["/my/entitlements/<int:entitlement_id>/accept"],
        type="json",
        auth="public",
        website=True,
    )
    def portal_contract_accept(
        self, entitlement_id, access_token=None, name=None, signature=None
    ):
        """The customer accepts a service contract quote with their name and
        signature (Odoo's portal signature form), which activates it."""
        # From the query string when not in the JSON parameters.
        access_token = access_token or request.httprequest.args.get("access_token")
        error = self._contract_signer_error(access_token, signature)
        if error:
            return {"error": error}
        try:
            contract_sudo = self._document_check_access(
                "service.entitlement", entitlement_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid service contract.")}
        name = name.strip() if isinstance(name, str) else ""
        error = self._contract_accept_error(contract_sudo, name, signature)
        if error:
            return {"error": error}
        try:
            # Nothing of a refused signature is kept.
            with request.env.cr.savepoint():
                contract_sudo._quote_accept(name, signature)
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        except UserError as error:
            return {"error": str(error)}
        return {
            "force_refresh": True,
            "redirect_url": contract_sudo.get_portal_url(
                query_string="&message=sign_ok"
            ),
        }

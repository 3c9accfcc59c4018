import { registry } from "@web/core/registry";

// A customer asks for a repair of a covered serial number from the portal:
// the page says what the request would use before it is sent, and lists it
// afterwards for the customer to follow.
registry.category("web_tour.tours").add("service_entitlement_portal_tour", {
    url: "/my/entitlements",
    steps: () => [
        {
            trigger: "a:contains('Portal warranty')",
            run: "click",
        },
        {
            trigger: ".entitlement_remaining:contains('3 of 3')",
        },
        {
            trigger: ".o_entitlement_request_terms:contains('uses 1 of the 3 incidents left')",
        },
        {
            trigger: "select[name=lot_id]",
            run: "selectByLabel PORTAL-0001 (Portal Laptop)",
        },
        {
            trigger: "textarea[name=description]",
            run: "edit The screen flickers",
        },
        {
            trigger: "button:contains('Send the request')",
            run: "click",
        },
        {
            trigger: ".alert-success:contains('Your repair request')",
        },
        {
            trigger: ".o_entitlement_requests td:contains('Received')",
        },
    ],
});

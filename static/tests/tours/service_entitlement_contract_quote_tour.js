import { registry } from "@web/core/registry";

// A customer reviews a service contract quote on the portal and signs it.
registry.category("web_tour.tours").add("service_entitlement_contract_quote_tour", {
    url: "/my/entitlements",
    steps: () => [
        {
            trigger: "tr:contains('Quote – waiting for your signature') a:contains('Quoted support')",
            run: "click",
        },
        {
            trigger: ".o_entitlement_contract_lines td:contains('QUOTE-0001')",
        },
        {
            trigger: ".o_entitlement_accept_sign",
            run: "click",
        },
        {
            // The form focuses the name once the dialog is shown and the
            // signature area sized; a signature drawn before is empty.
            trigger: ".modal.show .o_web_sign_name_input:focus",
            run: "edit Alex Adatum",
        },
        {
            // In 'auto' mode the signature is drawn from the name.
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            trigger: ".o_entitlement_signed:contains('Signed by Alex Adatum')",
        },
        {
            trigger: ".o_entitlement_signed img[alt='Signature']",
        },
    ],
});

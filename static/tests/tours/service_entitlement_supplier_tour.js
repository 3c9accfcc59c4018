import { registry } from "@web/core/registry";

// The service desk sends a repaired unit to the supplier whose warranty it is
// under, opens the claim that records it, and receives the unit back with
// the repair's primary button.
registry.category("web_tour.tours").add("service_entitlement_supplier_tour", {
    steps: () => [
        {
            trigger: "button[name=action_unit_to_vendor]",
            run: "click",
        },
        {
            // Its confirmation.
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            // The claim's form, as the desk sees it.
            trigger: ".o_form_view .o_field_widget[name=vendor_id]:contains('Tour Supplier')",
        },
        {
            // Back to the repair.
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('/RO/')",
            run: "click",
        },
        {
            trigger: "button[name=action_unit_from_vendor]",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(button[name=action_unit_from_vendor]))",
        },
    ],
});

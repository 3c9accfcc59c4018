import { registry } from "@web/core/registry";

// The service desk creates a repair for a covered serial number: the
// entitlement, its explanation and the verdict appear, and confirming the
// repair writes the ledger row.
registry.category("web_tour.tours").add("service_entitlement_repair_tour", {
    steps: () => [
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour Customer')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=product_id] input",
            run: "edit Tour Laptop",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour Laptop')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=lot_id] input",
            run: "edit TOUR-0001",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('TOUR-0001')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=entitlement_id] input:value(/Tour warranty/)",
        },
        {
            trigger: ".badge:contains('Covered')",
        },
        {
            trigger:
                ".o_field_widget[name=entitlement_explanation]:contains('3 of 3 incidents left')",
        },
        {
            trigger: "button[name=action_validate]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Confirmed')",
        },
        {
            trigger:
                ".o_field_widget[name=entitlement_explanation]:contains('2 of 3 incidents left')",
        },
        {
            trigger: "a.nav-link:contains('Entitlement')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=entitlement_consumption_ids] td:contains('Consumption')",
        },
    ],
});

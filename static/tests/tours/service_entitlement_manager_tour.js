import { registry } from "@web/core/registry";

// The entitlement manager gives a draft service contract 10 % off labour
// and a labour cap of 55.00 an hour, then activates it.
registry.category("web_tour.tours").add("service_entitlement_manager_contract_tour", {
    steps: () => [
        {
            trigger: ".o_notebook a[name=contract_discounts]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=max_labour_unit_price] input",
            run: "edit 55",
        },
        {
            trigger: ".o_field_widget[name=contract_discount_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=contract_discount_ids] .o_data_row .o_field_widget[name=discount] input",
            run: "edit 10",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved button[name=action_activate]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Active')",
        },
    ],
});

// The entitlement manager ends an invoiced contract line today: the dialog
// shows the credit note before End Line makes it.
registry.category("web_tour.tours").add("service_entitlement_manager_end_line_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=contract_line_ids] .o_data_row button[name=action_end]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=credit_detail]:contains('not used from')",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_field_widget[name=contract_line_ids] .o_data_row:not(:has(button[name=action_end]))",
        },
    ],
});

// The entitlement manager gives a serial number an extended warranty on its
// Warranties page.
registry.category("web_tour.tours").add("service_entitlement_manager_layer_tour", {
    steps: () => [
        {
            trigger: ".o_notebook a:contains('Warranties')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=warranty_layer_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=kind] select",
            run: 'select "extended"',
        },
        {
            trigger: ".modal .o_field_widget[name=date_start] input",
            run: "edit 11/16/2026",
        },
        {
            trigger: ".modal .o_field_widget[name=date_end] input",
            run: "edit 11/15/2029",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=warranty_layer_ids] .o_data_row:contains('Extended')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
    ],
});

// The entitlement manager adds serial numbers to a recall by their range
// and makes their repair orders.
registry.category("web_tour.tours").add("service_entitlement_manager_campaign_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button:contains('Add Serial Numbers')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=mode] input[data-value=range]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=first] input",
            run: "edit TOUR-0001",
        },
        {
            trigger: ".modal .o_field_widget[name=last] input",
            run: "edit TOUR-0001",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.modal)) button[name=action_create_repairs]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('1 repair orders created')",
        },
    ],
});

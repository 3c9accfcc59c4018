import { registry } from "@web/core/registry";

// The technician starts a confirmed repair, puts in a part and ends it.
registry.category("web_tour.tours").add("service_entitlement_technician_tour", {
    steps: () => [
        {
            trigger: "button[name=action_repair_start]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Under Repair')",
        },
        {
            trigger: ".o_field_widget[name=move_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=move_ids] .o_data_row .o_field_widget[name=product_id] input",
            run: "edit Tour Battery",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour Battery')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: "button[name=action_repair_end]:visible",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Repaired')",
        },
    ],
});

// The technician puts in a new fan in place of the unit's fan: the part
// line names the component it replaces.
registry.category("web_tour.tours").add("service_entitlement_component_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=move_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=move_ids] .o_data_row .o_field_widget[name=product_id] input",
            run: "edit Tour Fan",
        },
        {
            trigger: ".o_data_row .o_field_widget[name=product_id] .dropdown-item:contains('Tour Fan')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=move_ids] .o_data_row .o_field_widget[name=replaced_component_id] input",
            run: "edit Tour Fan",
        },
        {
            trigger: ".o_data_row .o_field_widget[name=replaced_component_id] .dropdown-item:contains('Tour Fan')",
            run: "click",
        },
        {
            // The line names the component before the repair is saved.
            trigger: ".o_data_row .o_field_widget[name=replaced_component_id] input:value(/Tour Fan/)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: "button[name=action_repair_start]",
            run: "click",
        },
        {
            trigger: "button[name=action_repair_end]:visible",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Repaired')",
        },
    ],
});

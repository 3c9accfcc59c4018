{
    "name": "Service Entitlements",
    "summary": "Warranties, service contracts and support plans consumed by "
    "repair orders, with overage billing",
    "version": "18.0.1.0.0",
    "category": "Services/Repair",
    "website": "https://github.com/service-entitlement/service_entitlement",
    "author": "Service Entitlement Contributors",
    "license": "AGPL-3",
    "application": True,
    "installable": True,
    "depends": ["repair", "account"],
    "data": [
        "security/service_entitlement_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/service_fault_reason_data.xml",
        "data/ir_cron_data.xml",
        "views/service_entitlement_views.xml",
        "views/service_entitlement_template_views.xml",
        "views/service_entitlement_consumption_views.xml",
        "views/service_fault_reason_views.xml",
        "views/service_entitlement_billing_line_views.xml",
        "views/repair_order_views.xml",
        "views/account_move_views.xml",
        "views/stock_lot_views.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "service_entitlement/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/res_users_demo.xml",
        "demo/service_entitlement_demo.xml",
    ],
}

from . import service_entitlement_profit_report

/** @odoo-module **/

import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * One button per quick action the current user may use (the lead's computed
 * quick_action_ids). A click saves the record if needed, applies the action
 * on the server (crm.quick.action.action_apply) and shows its notification,
 * which reloads the view.
 */
export class QuickActionsField extends Component {
    static template = "sales_marketing_alignment.QuickActionsField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
    }

    get quickActions() {
        return this.props.record.data[this.props.name].records;
    }

    async apply(quickAction) {
        const record = this.props.record;
        if (record.isNew || record.dirty) {
            if (!(await record.save())) {
                return;
            }
        }
        const result = await this.orm.call("crm.quick.action", "action_apply", [
            [quickAction.resId],
            [record.resId],
        ]);
        await this.action.doAction(result);
    }
}

registry.category("fields").add("sma_quick_actions", {
    component: QuickActionsField,
    supportedTypes: ["many2many"],
    relatedFields: [
        { name: "name", type: "char" },
        { name: "icon", type: "char" },
        { name: "color", type: "integer" },
    ],
});

/** @odoo-module **/

import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The quick actions the current user may use on this lead (the lead's
 * computed quick_action_ids, only those whose moves fit its lifecycle).
 * On pipeline cards the first ones (Settings: "Quick actions on pipeline
 * cards") are buttons and the others are in a compact menu; on the form
 * (option all_inline) every action is a button. A click saves the record if
 * needed, applies the action on the server (crm.quick.action.action_apply)
 * and shows its notification, which reloads the view.
 */
export class QuickActionsField extends Component {
    static template = "sales_marketing_alignment.QuickActionsField";
    static components = { Dropdown, DropdownItem };
    static props = { ...standardFieldProps, allInline: { type: Boolean, optional: true } };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
    }

    get quickActions() {
        return this.props.record.data[this.props.name].records;
    }

    get inlineCount() {
        if (this.props.allInline) {
            return this.quickActions.length;
        }
        return this.props.record.data.quick_action_inline_count || 0;
    }

    get inlineActions() {
        return this.quickActions.slice(0, this.inlineCount);
    }

    get menuActions() {
        return this.quickActions.slice(this.inlineCount);
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
    fieldDependencies: [{ name: "quick_action_inline_count", type: "integer" }],
    extractProps: ({ options }) => ({ allInline: Boolean(options.all_inline) }),
});

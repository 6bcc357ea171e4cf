# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AlignmentCommon


@tagged("post_install", "-at_install")
class TestFoundation(AlignmentCommon):
    def test_manifest(self):
        module = self.env["ir.module.module"].search([("name", "=", "sales_marketing_alignment")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(module.latest_version, "18.0.1.0.0")
        self.assertEqual(module.license, "LGPL-3")
        self.assertEqual((module.category_id.parent_id.name, module.category_id.name), ("Sales", "CRM"))
        self.assertEqual(module.dependencies_id.mapped("name"), ["crm"])

    def test_groups_hierarchy(self):
        marketing = self.env.ref("sales_marketing_alignment.group_alignment_marketing")
        manager = self.env.ref("sales_marketing_alignment.group_alignment_manager")
        self.assertIn(marketing, manager.implied_ids)
        self.assertIn(self.env.ref("sales_team.group_sale_manager"), manager.implied_ids)
        self.assertIn(self.env.ref("sales_team.group_sale_salesman_all_leads"), marketing.trans_implied_ids)
        self.assertEqual(manager.category_id, marketing.category_id)
        self.assertEqual(marketing.category_id.name, "Alignment")
        # A manager is a marketing user and a sales administrator; a marketing
        # user is not a sales administrator; a rep is neither.
        self.assertTrue(self.user_alignment_manager.has_group("sales_marketing_alignment.group_alignment_marketing"))
        self.assertTrue(self.user_alignment_manager.has_group("sales_team.group_sale_manager"))
        self.assertFalse(self.user_marketing.has_group("sales_team.group_sale_manager"))
        self.assertTrue(self.user_marketing.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertFalse(self.user_rep.has_group("sales_marketing_alignment.group_alignment_marketing"))
        self.assertTrue(self.env.ref("base.user_admin").has_group("sales_marketing_alignment.group_alignment_manager"))

    def _visible_menus(self, user):
        Menu = self.env["ir.ui.menu"].with_user(user)
        return Menu.browse(Menu._visible_menu_ids())

    def test_alignment_menu_visibility(self):
        root = self.env.ref("sales_marketing_alignment.menu_alignment_root")
        campaigns = self.env.ref("sales_marketing_alignment.menu_alignment_campaigns")
        self.assertEqual(root.parent_id, self.env.ref("crm.crm_menu_root"))
        self.assertIn(root, self._visible_menus(self.user_marketing))
        self.assertIn(campaigns, self._visible_menus(self.user_marketing))
        self.assertIn(root, self._visible_menus(self.user_alignment_manager))
        self.assertIn(root, self._visible_menus(self.user_sales_manager))
        # Reps see the lead lifecycle, not campaigns (costs) nor configuration.
        self.assertIn(root, self._visible_menus(self.user_rep))
        self.assertIn(self.env.ref("sales_marketing_alignment.menu_alignment_lifecycle"),
                      self._visible_menus(self.user_rep))
        self.assertNotIn(campaigns, self._visible_menus(self.user_rep))
        config = self.env.ref("sales_marketing_alignment.menu_alignment_config")
        self.assertNotIn(config, self._visible_menus(self.user_rep))
        self.assertIn(config, self._visible_menus(self.user_alignment_manager))
        settings = self.env.ref("sales_marketing_alignment.menu_alignment_settings")
        self.assertIn(settings, self._visible_menus(self.env.ref("base.user_admin")))
        self.assertNotIn(settings, self._visible_menus(self.user_marketing))

    def test_settings_section(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        tree = etree.fromstring(arch)
        block = tree.xpath("//app[@name='crm']//block[@id='sales_marketing_alignment']")
        self.assertEqual(len(block), 1, "the Alignment section sits inside CRM's settings")
        self.assertEqual(block[0].get("title"), "Alignment")
        action = self.env.ref("sales_marketing_alignment.res_config_settings_action")
        self.assertEqual(action.res_model, "res.config.settings")

    def test_campaign_cost_rights(self):
        campaign = self.campaign.with_user(self.user_marketing)
        campaign.cost = 2500.0
        self.assertEqual(self.campaign.cost, 2500.0)
        self.assertEqual(self.campaign.cost_currency_id, self.env.company.currency_id)
        # Reps neither read nor write what marketing spends.
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.user_rep).read(["cost"])
        with self.assertRaises(AccessError):
            self.campaign.with_user(self.user_rep).write({"cost": 1.0})
        self.assertEqual(self.campaign.cost, 2500.0)

    def test_campaign_cost_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.campaign.with_user(self.user_marketing).write({"cost": -5.0})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["utm.campaign"].create({"title": "Bad", "cost": -1.0})

    def test_campaign_action(self):
        action = self.env.ref("sales_marketing_alignment.utm_campaign_action")
        self.assertEqual(action.res_model, "utm.campaign")
        arch = self.env["utm.campaign"].get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="cost"', arch)
        rep_arch = self.env["utm.campaign"].with_user(self.user_rep).get_views(
            [(False, "list")])["views"]["list"]["arch"]
        self.assertNotIn('name="cost"', rep_arch)

# Copyright 2026 The sales_marketing_alignment authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.tests import TransactionCase


class AlignmentCommon(TransactionCase):
    """Users per role, a team and a campaign, built once per class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.user_rep = mail_new_test_user(
            cls.env, login="sma_rep", name="Rita Rep", email="rep@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.user_rep_other = mail_new_test_user(
            cls.env, login="sma_rep2", name="Omar Other", email="rep2@example.com",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = mail_new_test_user(
            cls.env, login="sma_salesmgr", name="Sam Salesmanager", email="salesmgr@example.com",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.user_marketing = mail_new_test_user(
            cls.env, login="sma_marketing", name="Mona Marketing", email="mkt@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_marketing",
        )
        cls.user_alignment_manager = mail_new_test_user(
            cls.env, login="sma_manager", name="Alex Alignment", email="align@example.com",
            groups="base.group_user,sales_marketing_alignment.group_alignment_manager",
        )
        cls.team = cls.env["crm.team"].create({
            "name": "Alignment Test Team",
            "user_id": cls.user_sales_manager.id,
            "member_ids": [(6, 0, [cls.user_rep.id, cls.user_rep_other.id])],
        })
        cls.campaign = cls.env["utm.campaign"].create({"title": "Test Webinar", "cost": 1000.0})

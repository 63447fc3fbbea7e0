import pytest

from weibao.customers.tests.factories import ContactFactory, SiteFactory
from weibao.inbound.models import InboundAccount
from weibao.inbound.tests import helpers


@pytest.fixture
def accounts(db):
    return {
        "wecom": InboundAccount.objects.create(
            provider="wecom",
            name="企业微信服务号",
            slug="wx",
            corp_id=helpers.CORP_ID,
            agent_id="1000002",
            token=helpers.TOKEN,
            aes_key=helpers.WECOM_KEY,
            secret="wecom-secret",
        ),
        "dingtalk": InboundAccount.objects.create(
            provider="dingtalk",
            name="钉钉报修机器人",
            slug="dd",
            corp_id="dingappkey",
            token="ddtoken",
            aes_key=helpers.WECOM_KEY,
            secret=helpers.DINGTALK_SECRET,
        ),
        "feishu": InboundAccount.objects.create(
            provider="feishu",
            name="飞书报修",
            slug="fs",
            corp_id="cli_test",
            token=helpers.FEISHU_TOKEN,
            aes_key=helpers.FEISHU_ENCRYPT_KEY,
            secret="feishu-secret",
        ),
        "sms": InboundAccount.objects.create(provider="sms", name="短信上行", slug="sms", secret=helpers.SMS_SECRET),
    }


@pytest.fixture
def contact(db):
    site = SiteFactory()
    return ContactFactory(
        customer=site.customer,
        site=site,
        name="王建国",
        mobile="+86 139-0049-7829",
        wecom_userid="wangjg",
        dingtalk_userid="manager4412",
        feishu_open_id="ou_7d8a6e6df7621556",
    )


@pytest.fixture
def other_contact(db):
    site = SiteFactory()
    return ContactFactory(
        customer=site.customer,
        site=site,
        name="李娜",
        mobile="13812345678",
        wecom_userid="lina",
        dingtalk_userid="lina",
        feishu_open_id="ou_lina",
    )

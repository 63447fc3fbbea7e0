"""Demo data for inbound IM and SMS: one account per provider, all disabled (an administrator pastes the real
corp id, token, key and secret from the provider's console), and IM ids on the first demo contacts."""

from weibao.inbound.models import InboundAccount

ACCOUNTS = [
    ("wecom", "企业微信报修应用", "wecom-service"),
    ("dingtalk", "钉钉报修机器人", "dingtalk-service"),
    ("feishu", "飞书报修应用", "feishu-service"),
    ("sms", "短信上行网关", "sms-uplink"),
]


def demo(*, stdout) -> None:
    from weibao.customers.models import Contact

    for provider, name, slug in ACCOUNTS:
        InboundAccount.objects.get_or_create(slug=slug, defaults={"provider": provider, "name": name, "enabled": False})
    already = Contact.objects.filter(wecom_userid="demo1").exists()  # idempotent: a second run changes nothing
    for n, contact in enumerate([] if already else Contact.objects.order_by("pk")[:3]):
        Contact.objects.filter(pk=contact.pk).update(wecom_userid=f"demo{n + 1}", feishu_open_id=f"ou_demo{n + 1}")
    stdout.write("  inbound: IM/SMS accounts (disabled), IM ids on three contacts")


def scale(*, n: int, stdout) -> None:
    """Nothing at scale: receipts follow from messages."""

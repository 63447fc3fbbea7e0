"""Demo data for the channels: a support mailbox on localhost and example robots, all disabled (nothing leaves
the machine until an administrator fills in real addresses and secrets)."""

from weibao.notifications.models import Mailbox, RobotWebhook, SmsTemplate


def demo(*, stdout) -> None:
    from weibao.accounts.models import Branch

    Mailbox.objects.get_or_create(
        name="售后服务邮箱",
        defaults={
            "host": "127.0.0.1",
            "port": 143,
            "security": "plain",
            "username": "service",
            "password_env": "WEIBAO_MAILBOX_SERVICE_PASSWORD",
            "folder": "INBOX",
            "enabled": False,
            "branch": Branch.objects.filter(is_head_office=True).first(),
        },
    )
    head = Branch.objects.filter(is_head_office=True).first()
    examples = [
        ("总部值班群（企业微信）", "wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=REPLACE-ME", "", []),
        (
            "A类故障告警（钉钉）",
            "dingtalk",
            "https://oapi.dingtalk.com/robot/send?access_token=REPLACE-ME",
            "WEIBAO_DINGTALK_SECRET",
            ["dispatched", "sla_warning", "sla_breach"],
        ),
        (
            "SLA 超时（飞书）",
            "feishu",
            "https://open.feishu.cn/open-apis/bot/v2/hook/REPLACE-ME",
            "WEIBAO_FEISHU_SECRET",
            ["sla_warning", "sla_breach"],
        ),
    ]
    for name, kind, url, secret_env, kinds in examples:
        RobotWebhook.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "url": url,
                "secret_env": secret_env,
                "branch": head,
                "event_kinds": kinds,
                "min_severity": "A" if kind == "dingtalk" else "",
                "enabled": False,
            },
        )
    for notice, code in [("dispatched", "SMS_000000001"), ("sla_breach", "SMS_000000002")]:
        SmsTemplate.objects.get_or_create(notice=notice, defaults={"template_code": code, "enabled": False})
    stdout.write("  notifications: demo mailbox and robots (disabled)")


def scale(*, n: int, stdout) -> None:
    """Nothing to add at scale: deliveries follow from the work orders' events."""

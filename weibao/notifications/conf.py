"""Channel settings: each is a Django setting when present (tests override them), else a WEIBAO_* variable.

Secrets never sit in the database: a mailbox, robot or SMS account names the environment variable holding its
password/secret (`password_env`, `secret_env`), read at the moment of use.
"""

import os
from typing import Any

from django.conf import settings

from weibao.env import env_int, env_str

DEFAULTS: dict[str, Any] = {
    # IMAP
    "WEIBAO_MAIL_CA_FILE": lambda: env_str("WEIBAO_MAIL_CA_FILE", ""),  # extra CA bundle for IMAP/robot TLS
    "WEIBAO_MAIL_TIMEOUT": lambda: env_int("WEIBAO_MAIL_TIMEOUT", 30),
    "WEIBAO_MAIL_FETCH_BATCH": lambda: env_int("WEIBAO_MAIL_FETCH_BATCH", 50),
    "WEIBAO_MAIL_MAX_MB": lambda: env_int("WEIBAO_MAIL_MAX_MB", 40),
    "WEIBAO_MAIL_CHUNK": lambda: env_int("WEIBAO_MAIL_CHUNK", 20),  # mails handled per transaction
    "WEIBAO_MAIL_WORKERS": lambda: env_int("WEIBAO_MAIL_WORKERS", 1),  # processes for a large backlog
    # outgoing mail threading: the right-hand side of our Message-IDs
    "WEIBAO_MAIL_DOMAIN": lambda: env_str("WEIBAO_MAIL_DOMAIN", ""),
    # delivery retries: delay = base * 2**(attempt-1), capped
    "WEIBAO_DELIVERY_MAX_ATTEMPTS": lambda: env_int("WEIBAO_DELIVERY_MAX_ATTEMPTS", 6),
    "WEIBAO_DELIVERY_BACKOFF_SECONDS": lambda: env_int("WEIBAO_DELIVERY_BACKOFF_SECONDS", 60),
    "WEIBAO_DELIVERY_BACKOFF_MAX_SECONDS": lambda: env_int("WEIBAO_DELIVERY_BACKOFF_MAX_SECONDS", 6 * 3600),
    "WEIBAO_HTTP_TIMEOUT": lambda: env_int("WEIBAO_HTTP_TIMEOUT", 10),
    # SMS (Alibaba Cloud dysmsapi)
    "WEIBAO_SMS_ENDPOINT": lambda: env_str("WEIBAO_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "WEIBAO_SMS_ACCESS_KEY_ID": lambda: env_str("WEIBAO_SMS_ACCESS_KEY_ID", ""),
    "WEIBAO_SMS_ACCESS_KEY_SECRET_ENV": lambda: "WEIBAO_SMS_ACCESS_KEY_SECRET",
    "WEIBAO_SMS_SIGN_NAME": lambda: env_str("WEIBAO_SMS_SIGN_NAME", ""),
    "WEIBAO_SMS_REGION": lambda: env_str("WEIBAO_SMS_REGION", "cn-hangzhou"),
    "WEIBAO_SMS_PER_HOUR": lambda: env_int("WEIBAO_SMS_PER_HOUR", 5),
}


def get(name: str) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return DEFAULTS[name]()


def secret_from_env(var_name: str) -> str:
    """The secret held by environment variable `var_name` (or the file named by `<var_name>_FILE`); '' if unset."""
    if not var_name:
        return ""
    if value := os.environ.get(var_name):
        return value
    if path := os.environ.get(f"{var_name}_FILE"):
        try:
            with open(path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError:
            return ""
    return ""


def mail_domain() -> str:
    """Domain of our Message-IDs: WEIBAO_MAIL_DOMAIN, else the domain of DEFAULT_FROM_EMAIL."""
    if domain := get("WEIBAO_MAIL_DOMAIN"):
        return domain
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "weibao.local"

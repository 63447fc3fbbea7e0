"""Every mail we send goes through the notifications outbox (retries, delivery log, "send again"): no module builds
and sends a message itself, except the e-mail channel that the outbox calls."""

import re
from pathlib import Path

import weibao

ROOT = Path(weibao.__file__).resolve().parent
ALLOWED = {ROOT / "notifications" / "channels" / "email.py"}
DIRECT = re.compile(r"\b(send_mail|send_mass_mail|mail_managers|EmailMessage|EmailMultiAlternatives)\s*\(")


def test_no_module_sends_mail_around_the_outbox():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path in ALLOWED or "tests" in path.relative_to(ROOT).parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIRECT.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "send through notifications.services.email_notice instead:\n" + "\n".join(offenders)

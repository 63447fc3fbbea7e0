"""Real servers on loopback for the channel tests: Dovecot (IMAP, IMAPS, STARTTLS), aiosmtpd, and an HTTP server
standing in for the WeCom / DingTalk / Feishu robots and Alibaba Cloud SMS that checks each request the way the
providers document it. Started once per test session by conftest.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import imaplib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER, IMAP_PASSWORD = "service", "imap-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (openssl, as an administrator would make one)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    cert: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        root = self.root
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # Dovecot never gives mail access to uid 0: the mail belongs to an ordinary account.
            mail_user = pwd.getpwnam("nobody")
            login_user, internal_user = "dovenull", "dovecot"
            os.chmod(root, 0o755)  # noqa: S103 - the mail user must reach its maildir
            os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal_user = mail_user.pw_name
        uid, gid = mail_user.pw_uid, mail_user.pw_gid
        (root / "passwd").write_text(
            f"{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}:{uid}:{gid}::{root}/mail/{IMAP_USER}::\n", encoding="utf-8"
        )
        key = self.cert.parent / "key.pem"
        (root / "dovecot.conf").write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = weibao-test-{self.imap_port}
log_path = {root}/dovecot.log
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""",
            encoding="utf-8",
        )
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary and generated config
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode(errors="replace")
                log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot exited: {out}\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=60)
        conn.login(IMAP_USER, IMAP_PASSWORD)
        return conn

    def new_folder(self, name: str) -> str:
        conn = self.connect()
        try:
            conn.create(f'"{name}"')
        finally:
            conn.logout()
        return name

    def append(self, folder: str, messages: list[bytes]) -> None:
        conn = self.connect()
        try:
            for raw in messages:
                typ, data = conn.append(f'"{folder}"', None, None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()


def start_dovecot() -> Dovecot:
    root = Path(tempfile.mkdtemp(prefix="weibao-dovecot-"))
    cert, _key = make_cert(root)
    server = Dovecot(root=root, imap_port=free_port(), imaps_port=free_port(), cert=cert)
    server.start()
    return server


# --- SMTP ------------------------------------------------------------------------------------------------------


class SmtpCapture:
    """aiosmtpd on 127.0.0.1 keeping every message it receives (envelope and parsed mail)."""

    def __init__(self, tls_cert: Path | None = None) -> None:
        import ssl

        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        self.refuse: set[str] = set()
        self.greylist: set[str] = set()  # answered "try again later" at RCPT
        capture = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
                if address in capture.refuse:
                    return "550 5.1.1 mailbox unavailable"
                if address in capture.greylist:
                    return "450 4.2.0 greylisted, try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                capture.messages.append(
                    {
                        "from": envelope.mail_from,
                        "to": list(envelope.rcpt_tos),
                        "raw": envelope.content,
                        "message": message_from_bytes(envelope.content),
                    }
                )
                return "250 Message accepted"

        self.port = free_port()
        kwargs = {}
        if tls_cert is not None:  # STARTTLS offered and required before MAIL FROM
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_cert), str(tls_cert.parent / "key.pem"))
            kwargs = {"tls_context": context, "require_starttls": True}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def smtp_mailer(port: int, *, host: str = "127.0.0.1", use_tls: bool = False) -> dict:
    """A MAILERS setting whose default mailer is SMTP to `host:port` (plain, or STARTTLS with `use_tls`)."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": host, "port": port, "use_tls": use_tls, "timeout": 20},
        }
    }


# --- robots and SMS -----------------------------------------------------------------------------------------------


def dingtalk_expected_sign(timestamp: str, secret: str) -> str:
    """Per DingTalk's documentation, written independently of the code under test."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_expected_sign(timestamp: str, secret: str) -> str:
    """Per Feishu's documentation: the "timestamp\\nsecret" string is the key, the message is empty."""
    return base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256).digest()).decode()


def aliyun_expected_signature(query_pairs: list[tuple[str, str]], secret: str) -> str:
    """Per Alibaba Cloud's RPC signature documentation (percent-encode per RFC 3986, sorted, "GET&%2F&…")."""

    def enc(s: str) -> str:
        return quote(s, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query_pairs) if k != "Signature")
    string_to_sign = "GET&%2F&" + enc(canonical)
    return base64.b64encode(hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


@dataclass
class StubState:
    requests: list[dict] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # path → secret
    fail_next: dict[str, list[int]] = field(default_factory=dict)  # path → HTTP statuses to answer first
    answers: dict[str, list[dict]] = field(default_factory=dict)  # path → JSON answers to give first
    delay: dict[str, float] = field(default_factory=dict)  # path → seconds to wait before answering (slow provider)
    sms_secret: str = ""


class ProviderStub(BaseHTTPRequestHandler):
    """Answers like the providers do, and refuses what they would refuse: bad JSON shape or a wrong signature."""

    state: StubState

    def log_message(self, *args) -> None:
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _queued(self, path: str) -> bool:
        if seconds := self.state.delay.get(path):
            time.sleep(seconds)
        if statuses := self.state.fail_next.get(path):
            self._reply(statuses.pop(0), {"error": "injected"})
            return True
        if answers := self.state.answers.get(path):
            self._reply(200, answers.pop(0))
            return True
        return False

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        record = {"path": url.path, "query": url.query, "raw": raw, "headers": dict(self.headers), "ok": False}
        self.state.requests.append(record)
        if self._queued(url.path):
            return None
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._reply(400, {"errcode": 40000, "errmsg": "invalid json"})
        record["json"] = body
        secret = self.state.secrets.get(url.path, "")
        if url.path.startswith("/wecom/"):
            ok = body.get("msgtype") == "markdown" and isinstance(body.get("markdown", {}).get("content"), str)
            record["ok"] = ok
            return self._reply(200, {"errcode": 0 if ok else 40008, "errmsg": "ok" if ok else "invalid message type"})
        if url.path.startswith("/dingtalk/"):
            query = dict(parse_qsl(url.query))
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            # the sign arrives URL-encoded in the query: compare the decoded value byte for byte
            # a robot without the signature setting takes unsigned requests; a signed one checks byte for byte
            if secret and (
                not ts or abs(int(ts) - time.time() * 1000) > 3600_000 or sign != dingtalk_expected_sign(ts, secret)
            ):
                return self._reply(200, {"errcode": 310000, "errmsg": "sign not match"})
            ok = body.get("msgtype") == "markdown" and {"title", "text"} <= set(body.get("markdown", {}))
            record["ok"] = ok
            return self._reply(200, {"errcode": 0 if ok else 40035, "errmsg": "ok" if ok else "missing parameter"})
        if url.path.startswith("/feishu/"):
            ts, sign = body.get("timestamp", ""), body.get("sign", "")
            if secret and (not ts or abs(int(ts) - time.time()) > 3600 or sign != feishu_expected_sign(ts, secret)):
                return self._reply(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
            card = body.get("card", {})
            ok = body.get("msg_type") == "interactive" and card.get("elements", [{}])[0].get("tag") == "markdown"
            record["ok"] = ok
            return self._reply(200, {"code": 0 if ok else 9499, "msg": "success" if ok else "Bad Request", "data": {}})
        return self._reply(404, {"errcode": 404, "errmsg": "unknown robot"})

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        # Pairs exactly as sent (unquote_plus would turn %2B back into + correctly; keep the raw for the record).
        pairs = [(unquote_plus(k), unquote_plus(v)) for k, v in (p.split("=", 1) for p in url.query.split("&") if p)]
        record = {"path": url.path, "query": url.query, "pairs": pairs, "ok": False}
        self.state.requests.append(record)
        if self._queued(url.path):
            return None
        params = dict(pairs)
        if url.path != "/sms/":
            return self._reply(404, {"Code": "NotFound"})
        required = {
            "AccessKeyId",
            "Action",
            "Format",
            "PhoneNumbers",
            "RegionId",
            "SignName",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "TemplateCode",
            "Timestamp",
            "Version",
            "Signature",
        }
        if not required <= set(params) or params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return self._reply(400, {"Code": "MissingParameter", "Message": "missing"})
        if params["Signature"] != aliyun_expected_signature(pairs, self.state.sms_secret):
            return self._reply(400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"})
        record["ok"] = True
        return self._reply(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "X"})


class ProviderServer:
    def __init__(self) -> None:
        self.state = StubState()
        handler = type("Handler", (ProviderStub,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        self.state.requests.clear()
        self.state.fail_next.clear()
        self.state.answers.clear()
        self.state.delay.clear()

"""The providers' callback cryptography, with the `cryptography` package (AES-CBC) and hashlib/hmac (signatures).

- WeCom (企业微信) and DingTalk event subscription share one scheme: AES key = base64decode(EncodingAESKey + "="),
  AES-256-CBC with IV = key[:16] and PKCS#7 padding to 32 bytes; the plaintext is 16 random bytes, the message
  length (4 bytes, network order), the message and the receiver id (corp id / app key). The signature is the SHA-1
  of the sorted concatenation of token, timestamp, nonce and the encrypted text.
- DingTalk robot outgoing callback: sign = base64(HMAC-SHA256(key=app secret, "<timestamp ms>\\n<app secret>")).
- Feishu (飞书) event subscription: key = SHA-256(Encrypt Key), the base64 payload is IV (16 bytes) + AES-256-CBC
  ciphertext with PKCS#7 padding to 16; `X-Lark-Signature` = hex SHA-256(timestamp + nonce + Encrypt Key + body).

Every failure is a `CallbackRefused` with a short reason code (logged and counted, never the secrets).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class CallbackRefused(Exception):
    """A callback we do not accept; `reason` is a stable code (see choices.RejectReason), `detail` for the log."""

    def __init__(self, reason: str, detail: str = "", *, status: int = 400) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status


# --- WeCom / DingTalk event subscription ---------------------------------------------------------------------------

WECOM_BLOCK = 32  # the providers pad to 32 bytes, not AES's 16


def sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - the providers' scheme


def _aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackRefused("bad_config", "EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise CallbackRefused("bad_config", "EncodingAESKey must decode to 32 bytes")
    return key


def wecom_encrypt(plain: bytes, *, encoding_aes_key: str, receive_id: str, random16: bytes | None = None) -> str:
    """Encrypt like the provider does (our tests and the encrypted answer DingTalk wants)."""
    key = _aes_key(encoding_aes_key)
    body = (random16 or os.urandom(16)) + struct.pack(">I", len(plain)) + plain + receive_id.encode("utf-8")
    padder = padding.PKCS7(WECOM_BLOCK * 8).padder()
    padded = padder.update(body) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def wecom_decrypt(encrypted: str, *, encoding_aes_key: str, receive_id: str) -> bytes:
    """The message inside `encrypted`; refuses another receiver's message (corp id / app key differ)."""
    key = _aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackRefused("malformed", "encrypted text is not base64") from exc
    if not data or len(data) % 16:
        raise CallbackRefused("malformed", "encrypted text has a wrong length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(WECOM_BLOCK * 8).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise CallbackRefused("bad_crypto", "padding does not check (wrong key?)") from exc
    if len(plain) < 20:
        raise CallbackRefused("bad_crypto", "plaintext too short")
    (length,) = struct.unpack(">I", plain[16:20])
    message, receiver = plain[20 : 20 + length], plain[20 + length :]
    if len(message) != length:
        raise CallbackRefused("bad_crypto", "message length does not check")
    if receive_id and receiver.decode("utf-8", errors="replace") != receive_id:
        raise CallbackRefused("bad_crypto", "message is for another receiver")
    return message


# --- DingTalk robot outgoing callback -----------------------------------------------------------------------------


def dingtalk_robot_sign(timestamp_ms: str, app_secret: str) -> str:
    string_to_sign = f"{timestamp_ms}\n{app_secret}".encode()
    digest = hmac.new(app_secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


# --- Feishu -------------------------------------------------------------------------------------------------------


def _feishu_key(encrypt_key: str) -> bytes:
    return hashlib.sha256(encrypt_key.encode("utf-8")).digest()


def feishu_encrypt(plain: bytes, *, encrypt_key: str, iv: bytes | None = None) -> str:
    key, iv = _feishu_key(encrypt_key), iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def feishu_decrypt(encrypted: str, *, encrypt_key: str) -> bytes:
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CallbackRefused("malformed", "encrypted text is not base64") from exc
    if len(data) < 32 or len(data) % 16:
        raise CallbackRefused("malformed", "encrypted text has a wrong length")
    decryptor = Cipher(algorithms.AES(_feishu_key(encrypt_key)), modes.CBC(data[:16])).decryptor()
    padded = decryptor.update(data[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise CallbackRefused("bad_crypto", "padding does not check (wrong key?)") from exc


def feishu_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


# --- inbound SMS (our documented relay format) --------------------------------------------------------------------


def sms_signature(timestamp: str, body: bytes, secret: str) -> str:
    """hex HMAC-SHA256 keyed with the shared secret over "<timestamp>." + the raw body."""
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))

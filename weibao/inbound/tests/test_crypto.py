"""The providers' published sample vectors, and round trips of the documented algorithms."""

import pytest

from weibao.inbound import crypto
from weibao.inbound.tests.helpers import CORP_ID, TOKEN, WECOM_KEY

WECOM_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="


def test_wecom_documented_sample_signature():
    assert crypto.sha1_signature(TOKEN, "1409659589", "263014780", WECOM_ECHOSTR) == (
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )


def test_wecom_documented_sample_decrypts_for_its_corp():
    assert crypto.wecom_decrypt(WECOM_ECHOSTR, encoding_aes_key=WECOM_KEY, receive_id=CORP_ID) == (
        b"1616140317555161061"
    )


def test_feishu_documented_sample_decrypts():
    # Feishu's documentation: Encrypt Key "test key", ciphertext of "hello world".
    assert crypto.feishu_decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", encrypt_key="test key") == (
        b"hello world"
    )


def test_wecom_round_trip_pads_to_32_bytes():
    encrypted = crypto.wecom_encrypt(
        "报修".encode(), encoding_aes_key=WECOM_KEY, receive_id=CORP_ID, random16=b"r" * 16
    )
    import base64

    assert len(base64.b64decode(encrypted)) % 32 == 0
    assert crypto.wecom_decrypt(encrypted, encoding_aes_key=WECOM_KEY, receive_id=CORP_ID) == "报修".encode()


def test_wrong_key_is_refused():
    encrypted = crypto.wecom_encrypt(b"x", encoding_aes_key=WECOM_KEY, receive_id=CORP_ID)
    other = "a" * 43
    with pytest.raises(crypto.CallbackRefused) as refused:
        crypto.wecom_decrypt(encrypted, encoding_aes_key=other, receive_id=CORP_ID)
    assert refused.value.reason == "bad_crypto"


def test_dingtalk_robot_sign_is_base64_hmac_sha256():
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(hmac.new(b"s", b"1700000000000\ns", hashlib.sha256).digest()).decode()
    assert crypto.dingtalk_robot_sign("1700000000000", "s") == expected


def test_feishu_signature_is_sha256_of_timestamp_nonce_key_body():
    import hashlib

    assert crypto.feishu_signature("1", "n", "k", b"{}") == hashlib.sha256(b"1nk{}").hexdigest()

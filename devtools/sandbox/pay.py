"""WeChat Pay's cash red packet (``mmpaymkttransfers/sendredpack``) as the sandbox answers it.

Like WeChat Pay: an XML body signed with the merchant's API key (MD5 over the sorted fields), the
merchant and app ids checked, 1 to 200 yuan, at most ``DAILY_PER_USER`` packets per openid a day,
and one payment per ``mch_billno``: the same bill sent again is answered with the packet already
paid under it, never a second payment. Injected failures (``/control/fail`` on this endpoint):
SYSTEMERROR before paying, PAID_SYSTEMERROR (paid, then SYSTEMERROR: the caller cannot tell),
NOTENOUGH (the merchant's balance) and SENDNUM_LIMIT.
"""

from __future__ import annotations

import hashlib
import json
import time

import xmltodict
from flask import Response, request

from devtools.sandbox import keys, state
from devtools.sandbox.blueprint import blueprint
from devtools.sandbox.config import current_settings

ENDPOINT = "mmpaymkttransfers/sendredpack"
DAILY_PER_USER = 10
MIN_FEN, MAX_FEN = 100, 20_000
REFUSALS = {
    "SYSTEMERROR": "系统繁忙，请稍后再试",
    "NOTENOUGH": "帐号余额不足，请到商户平台充值后再重试",
    "SENDNUM_LIMIT": "该用户今日领取红包个数超过限制",
    "MONEY_LIMIT": "每个红包的平均金额必须在1.00元到200.00元之间",
    "PARAM_ERROR": "参数错误",
}


def signature(fields: dict, api_key: str) -> str:
    """WeChat Pay's MD5 signature: the non-empty fields but ``sign``, sorted, then the key."""
    text = "&".join(
        f"{k}={v}" for k, v in sorted(fields.items()) if v not in (None, "") and k != "sign"
    )
    return hashlib.md5(f"{text}&key={api_key}".encode()).hexdigest().upper()


def _xml(fields: dict) -> Response:
    settings = current_settings()
    fields = {**fields, "nonce_str": hashlib.md5(str(time.time()).encode()).hexdigest()}
    fields["sign"] = signature(fields, settings.pay_api_key)
    body = xmltodict.unparse({"xml": fields}, full_document=False)
    return Response(body, mimetype="application/xml")


def _fail(code: str, bill: dict) -> dict:
    return {
        "return_code": "SUCCESS",
        "return_msg": REFUSALS[code],
        "result_code": "FAIL",
        "err_code": code,
        "err_code_des": REFUSALS[code],
        "mch_billno": bill.get("mch_billno", ""),
    }


@blueprint.post(f"/{ENDPOINT}")
def send_redpack():
    settings = current_settings()
    redis = state.store()
    try:
        bill = xmltodict.parse(request.get_data())["xml"] or {}
    except Exception:  # noqa: BLE001 (any unparsable body is WeChat's "bad XML")
        bill = None
    if not isinstance(bill, dict):
        result = {"return_code": "FAIL", "return_msg": "XML格式错误"}
    elif bill.get("sign") != signature(bill, settings.pay_api_key):
        result = {"return_code": "FAIL", "return_msg": "签名错误"}
    elif bill.get("mch_id") != settings.pay_mch_id or bill.get("wxappid") != settings.app_id:
        result = {"return_code": "FAIL", "return_msg": "商户号或appid错误"}
    else:
        result = _pay(redis, bill)
    state.record_call(
        redis,
        {
            "endpoint": ENDPOINT,
            "method": "POST",
            "args": {},
            "body": None if not isinstance(bill, dict) else {
                k: bill.get(k) for k in ("mch_billno", "re_openid", "total_amount", "act_name")
            },
            "errcode": 0 if result.get("result_code") == "SUCCESS" else result.get("err_code")
            or result.get("return_msg"),
            "at": time.time(),
        },
    )  # fmt: skip
    return _xml(result)


def _pay(redis, bill: dict) -> dict:
    billno, openid = bill.get("mch_billno") or "", bill.get("re_openid") or ""
    try:
        amount = int(bill.get("total_amount") or 0)
    except ValueError:
        amount = 0
    if not billno or len(billno) > 28 or not openid:
        return _fail("PARAM_ERROR", bill)
    failure = state.take_failure(redis, ENDPOINT)
    mode = failure["mode"] if failure else None
    if mode in ("SYSTEMERROR", "NOTENOUGH", "SENDNUM_LIMIT"):
        return _fail(mode, bill)
    paid = redis.hget(keys.REDPACKS, billno)
    if paid is not None:
        packet = json.loads(paid)
        if packet["re_openid"] != openid or packet["total_amount"] != amount:
            return _fail("PARAM_ERROR", bill)  # another packet under a used bill number
    else:
        if not MIN_FEN <= amount <= MAX_FEN:
            return _fail("MONEY_LIMIT", bill)
        day = time.strftime("%Y%m%d")
        if int(redis.get(keys.redpacks_today(openid, day)) or 0) >= DAILY_PER_USER:
            return _fail("SENDNUM_LIMIT", bill)
        packet = {
            "re_openid": openid,
            "total_amount": amount,
            "send_listid": f"1000041701{int(time.time() * 1000)}",
            "act_name": bill.get("act_name"),
        }
        if not redis.hsetnx(keys.REDPACKS, billno, json.dumps(packet)):
            packet = json.loads(redis.hget(keys.REDPACKS, billno))  # a concurrent retry won
        else:
            redis.incr(keys.redpacks_today(openid, day))
            redis.expire(keys.redpacks_today(openid, day), 2 * 86400)
    if mode == "PAID_SYSTEMERROR":
        return _fail("SYSTEMERROR", bill)  # paid, but the answer says otherwise
    return {
        "return_code": "SUCCESS",
        "return_msg": "发放成功",
        "result_code": "SUCCESS",
        "mch_billno": billno,
        "mch_id": bill.get("mch_id"),
        "wxappid": bill.get("wxappid"),
        "re_openid": openid,
        "total_amount": str(packet["total_amount"]),
        "send_listid": packet["send_listid"],
    }


def redpacks(redis) -> dict[str, dict]:
    """Every red packet paid, by bill number (for the control endpoint and tests)."""
    return {k.decode(): json.loads(v) for k, v in redis.hgetall(keys.REDPACKS).items()}


@blueprint.get("/control/redpacks")
def list_redpacks():
    return {"redpacks": redpacks(state.store())}

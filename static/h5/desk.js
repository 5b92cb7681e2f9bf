/* The staff desk: look a code up (typed, or scanned with the JS-SDK's scanQRCode inside WeChat),
   see the prize and confirm. The server records which staff member redeemed it. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("desk-config").textContent);
  var t = config.t;
  var input = document.getElementById("desk-code");
  var message = document.getElementById("desk-message");
  var found = document.getElementById("found");
  var confirm = document.getElementById("confirm");
  var current = null;

  function call(method, template, code) {
    var url = template.replace("CODE", encodeURIComponent(code));
    return fetch(url, {
      method: method, credentials: "same-origin", cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); });
  }

  function show(body) {
    found.hidden = false;
    document.getElementById("found-prize").textContent = body.prize;
    document.getElementById("found-campaign").textContent = body.campaign;
    document.getElementById("found-winner").textContent = body.winner + " · " + body.code;
    var status = body.redeemed ? t.already : (body.expired ? t.expired : "");
    document.getElementById("found-status").textContent = status;
    confirm.hidden = body.redeemed || body.expired || body.kind !== "code";
    if (body.kind !== "code") message.textContent = t.not_code;
  }

  function refused(result) {
    var error = result.body.error;
    if (error === "already_redeemed") return result.body.message;
    if (error === "claim_expired") return t.expired;
    if (error === "not_found" || error === "validation_error") return t.unknown;
    return result.body.message || t.failed;
  }

  function lookUp(code) {
    message.textContent = "";
    found.hidden = true;
    call("GET", config.lookup, code).then(function (result) {
      if (result.status === 200) { current = result.body.code; show(result.body); }
      else message.textContent = refused(result);
    }, function () { message.textContent = t.failed; });
  }

  document.getElementById("desk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.value.trim()) lookUp(input.value.trim());
  });

  confirm.addEventListener("click", function () {
    call("POST", config.redeem, current).then(function (result) {
      if (result.status === 200) { show(result.body); message.textContent = t.redeemed; }
      else message.textContent = refused(result);
    }, function () { message.textContent = t.failed; });
  });

  function offerScan(wx) {
    var c = config.jssdk;
    wx.config({ debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
                signature: c.signature, jsApiList: ["scanQRCode"] });
    wx.ready(function () {
      var scan = document.getElementById("scan");
      scan.hidden = false;
      scan.addEventListener("click", function () {
        wx.scanQRCode({ needResult: 1, scanType: ["qrCode"], success: function (res) {
          input.value = res.resultStr;
          lookUp(res.resultStr);
        } });
      });
    });
  }

  function load() {
    if (!config.jssdk) return;
    var saved = window.module;
    window.module = { exports: {} };  // the SDK is a CommonJS build
    var script = document.createElement("script");
    script.src = config.sdk;
    script.onload = function () { window.module = saved; if (window.wx) offerScan(window.wx); };
    document.head.appendChild(script);
  }

  if (window.WeixinJSBridge) load();
  else document.addEventListener("WeixinJSBridgeReady", load, { once: true });
})();

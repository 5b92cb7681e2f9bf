/* "My prizes": the claim form of goods wins. In WeChat the address comes from the JS-SDK's
   openAddress (the player's saved addresses); elsewhere, or if they decline, it is typed. The
   server checks every field and names the bad ones (422), shown next to each. */
(function () {
  "use strict";
  var node = document.getElementById("prizes-config");
  if (!node) return;
  var config = JSON.parse(node.textContent);
  var forms = document.querySelectorAll(".claim-form");
  if (!forms.length) return;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, body: json }; });
    });
  }

  function showErrors(form, fields) {
    form.querySelectorAll(".field-error").forEach(function (span) {
      var messages = fields[span.dataset.for];
      span.hidden = !messages;
      span.textContent = messages ? messages.join(" ") : "";
      var input = form.querySelector('[name="' + span.dataset.for + '"]');
      if (input) input.setAttribute("aria-invalid", messages ? "true" : "false");
    });
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      form.querySelectorAll("input[name]").forEach(function (input) { body[input.name] = input.value; });
      var message = form.querySelector(".claim-message");
      var url = config.claim_url.replace(/\/0\/claim$/, "/" + form.dataset.win + "/claim");
      post(url, body).then(function (result) {
        if (result.status === 200) {
          showErrors(form, {});
          message.textContent = config.t.saved;
          form.closest(".win").dataset.status = result.body.status;
        } else {
          showErrors(form, result.body.fields || {});
          message.textContent = result.body.error === "claim_expired" ? config.t.expired : config.t.failed;
        }
      }, function () { message.textContent = config.t.failed; });
    });
  });

  function fill(form, address) {
    var values = {
      name: address.userName, phone: address.telNumber, province: address.provinceName,
      city: address.cityName, district: address.countryName, address: address.detailInfo
    };
    Object.keys(values).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input && values[name]) input.value = values[name];
    });
  }

  function offerWeChatAddress(wx) {
    var url = location.href.split("#")[0];
    fetch(config.jssdk + "?url=" + encodeURIComponent(url), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        wx.config({
          debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
          signature: c.signature, jsApiList: ["openAddress"]
        });
        wx.ready(function () {
          forms.forEach(function (form) {
            var button = form.querySelector(".use-wechat-address");
            button.hidden = false;
            button.addEventListener("click", function () {
              wx.openAddress({ success: function (address) { fill(form, address); } });
            });
          });
        });
      }, function () { /* typed by hand: the form works the same */ });
  }

  function load() {
    var saved = window.module;
    window.module = { exports: {} };  // the SDK is a CommonJS build
    var script = document.createElement("script");
    script.src = config.sdk;
    script.onload = function () {
      window.module = saved;
      if (window.wx) offerWeChatAddress(window.wx);
    };
    document.head.appendChild(script);
  }

  if (window.WeixinJSBridge) load();
  else document.addEventListener("WeixinJSBridgeReady", load, { once: true });
})();

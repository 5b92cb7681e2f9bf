/* Share title and image through WeChat's JS-SDK. Only inside WeChat (where WeixinJSBridge
   exists) is the vendored SDK loaded, so other browsers fetch nothing. Sharing earns nothing. */
(function () {
  "use strict";
  var H5 = window.H5, share = H5.config.share;

  function configure(wx) {
    var url = location.href.split("#")[0];
    H5.request("GET", share.jssdk + "?url=" + encodeURIComponent(url)).then(function (c) {
      wx.config({
        debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
        signature: c.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"],
        // The win screen's offer of subscription notices (claim reminders, shipping notices).
        openTagList: ["wx-open-subscribe"]
      });
      wx.ready(function () {
        var data = { title: share.title, desc: share.desc, link: share.link };
        if (share.image) data.imgUrl = share.image;
        wx.updateAppMessageShareData(data);
        wx.updateTimelineShareData(data);
      });
    }, function () { /* no share card: the page works the same */ });
  }

  function load() {
    // The SDK is a CommonJS build: give it a `module` to write to, then put things back.
    var saved = window.module;
    window.module = { exports: {} };
    var script = document.createElement("script");
    script.src = share.sdk;
    script.onload = function () {
      window.module = saved;
      if (window.wx) configure(window.wx);
    };
    document.head.appendChild(script);
  }

  if (!share) return;
  if (window.WeixinJSBridge) load();
  else document.addEventListener("WeixinJSBridgeReady", load, { once: true });
})();

/* Shared by the three games: config, screens, the play request with a safe retry, results.
   No outcome is ever in the page before a play: results come from the play's response. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("h5-config").textContent);
  var t = config.t;
  var reducedMotion = window.matchMedia &&
    window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var TIMEOUT_MS = 12000;

  function $(id) { return document.getElementById(id); }

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] != null ? values[k] : ""; });
  }

  /* One key per intended play, reused by every retry of it: a lost response never costs a play. */
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function announce(text) {
    var live = $("live");
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function showScreen(code) {
    var screens = document.querySelectorAll("[data-screen]");
    var target = document.querySelector('[data-screen="' + code + '"]') ||
      document.querySelector('[data-screen="error"]');
    Array.prototype.forEach.call(screens, function (s) { s.hidden = s !== target; });
    $("stage").hidden = true;
    $("result").hidden = true;
    var heading = target.querySelector("h2");
    announce(heading.textContent + " " + target.querySelector("p").textContent);
    target.setAttribute("tabindex", "-1");
    target.focus();
  }

  /* fetch with a timeout; rejects {kind: "network"} for anything a retry may fix (no answer,
     timeout, 5xx) and {kind: "refused", code} for an answer that names a refusal. */
  function request(method, url, body, key) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    var headers = { "Accept": "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        if (response.status >= 500) throw { kind: "network" };
        throw { kind: "refused", code: data.error || "error" };
      });
    }, function () {
      throw { kind: "network" };
    }).finally(function () { if (timer) window.clearTimeout(timer); });
  }

  /* Run send() until it answers: on a network failure offer "retry" (send() itself keeps its
     key); on a refusal show that screen. Resolves with the data; rejects after a refusal. */
  function withRetry(send) {
    return new Promise(function (resolve, reject) {
      function go() {
        send().then(resolve, function (err) {
          if (err.kind === "network") {
            var overlay = $("network");
            var retry = $("retry");
            overlay.hidden = false;
            retry.focus();
            retry.onclick = function () {
              overlay.hidden = true;
              retry.onclick = null;
              go();
            };
          } else {
            showScreen(err.code);
            reject(err);
          }
        });
      }
      go();
    });
  }

  /* One play of the game: the same key on every retry. */
  function play(url, body) {
    var key = newKey();
    return withRetry(function () { return request("POST", url, body, key); });
  }

  function setPlaysLeft(left) {
    var chip = $("plays-left");
    if (left === null || left === undefined) return;
    chip.dataset.left = String(left);
    chip.innerHTML = "";
    chip.appendChild(document.createTextNode(t.plays_left + " "));
    var b = document.createElement("b");
    b.textContent = String(left);
    chip.appendChild(b);
  }

  function playsLeft() {
    var raw = $("plays-left").dataset.left;
    return raw === "" ? null : Number(raw);
  }

  var GIFT = '<svg viewBox="0 0 64 64" aria-hidden="true"><rect x="10" y="26" width="44" height="30" rx="3" fill="#f5b83d"/><rect x="6" y="18" width="52" height="11" rx="3" fill="#ffd36b"/><rect x="29" y="18" width="6" height="38" fill="#d6202b"/><path d="M32 18c-4-9-15-10-15-3 0 4 8 4 15 3Zm0 0c4-9 15-10 15-3 0 4-8 4-15 3Z" fill="none" stroke="#d6202b" stroke-width="3"/></svg>';
  var CLOUD = '<svg viewBox="0 0 64 64" aria-hidden="true"><circle cx="32" cy="32" r="26" fill="#fff1d6"/><path d="M18 38a7 7 0 0 1 3-13 10 10 0 0 1 19-2 8 8 0 0 1 6 15H18Z" fill="#f5b83d"/><circle cx="26" cy="46" r="2" fill="#d6202b"/><circle cx="38" cy="46" r="2" fill="#d6202b"/></svg>';

  function prizeArt(play) {
    if (play.prize && play.prize.image_url && /^(https:\/\/|\/)/.test(play.prize.image_url)) {
      var img = document.createElement("img");
      img.src = play.prize.image_url;
      img.alt = "";
      return img;
    }
    var span = document.createElement("span");
    span.innerHTML = play.outcome === "win" ? GIFT : CLOUD;
    return span.firstChild;
  }

  /* The result panel under the game; `extra` goes before the title (the quiz's score). */
  function showResult(play, extra) {
    var result = $("result");
    var art = $("result-art");
    art.innerHTML = "";
    art.appendChild(prizeArt(play));
    result.dataset.outcome = play.outcome;
    result.dataset.playId = String(play.play_id);
    var won = play.outcome === "win";
    $("result-title").textContent = won ? t.win_title : t.lose_title;
    $("result-message").textContent = (extra ? extra + " " : "") +
      (won ? play.prize.name : t.lose_message);
    /* How the prize reaches the winner (its kind, from the page): a code to show, goods to
       claim with an address, or cash paid to the WeChat wallet. */
    var kind = won ? ((config.prize_kinds || {})[String(play.prize.id)] || "code") : null;
    $("code-box").hidden = kind !== "code";
    $("goods-box").hidden = kind !== "goods";
    $("cash-box").hidden = kind !== "cash";
    /* Reminders and shipping notices concern codes and goods; a cash win needs no word. */
    var subscribe = $("subscribe-box");
    if (subscribe) subscribe.hidden = kind !== "code" && kind !== "goods";
    $("code").textContent = won ? play.code : "";
    setPlaysLeft(play.plays_left_today);
    var left = playsLeft();
    $("again").hidden = left === 0;
    result.hidden = false;
    announce($("result-title").textContent + " " + $("result-message").textContent +
      (won ? " " + t.your_code + " " + play.code : ""));
    result.focus();
    if (!reducedMotion) result.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  /* WeChat's wx-open-subscribe answers in a "success" event whose subscribeDetails is JSON
     of JSON: {"<template id>": "{\"status\":\"accept\"}"}; the server hears it by its callback
     too, which is what counts. An "error" (the open tag unavailable) hides the offer. */
  (function () {
    var tag = $("subscribe-tag");
    if (!tag) return;
    tag.addEventListener("success", function (event) {
      var status = "";
      try {
        var details = JSON.parse(event.detail.subscribeDetails || "{}");
        status = JSON.parse(details[tag.getAttribute("template")] || "{}").status;
      } catch (ignored) { status = ""; }
      if (status === "accept") {
        tag.hidden = true;
        $("subscribe-done").hidden = false;
      }
    });
    tag.addEventListener("error", function () { $("subscribe-box").hidden = true; });
  })();

  function onAgain(handler) {
    $("again").addEventListener("click", function () {
      $("result").hidden = true;
      handler();
    });
  }

  window.H5 = {
    config: config,
    t: t,
    $: $,
    format: format,
    reducedMotion: reducedMotion,
    request: request,
    withRetry: withRetry,
    play: play,
    showResult: showResult,
    showScreen: showScreen,
    announce: announce,
    onAgain: onAgain,
    playsLeft: playsLeft
  };
})();

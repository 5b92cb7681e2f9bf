// The sandbox phone: one person (the openid at the top, kept by the sandbox in a cookie) acts
// as a follower. Each action is posted to the sandbox, which signs WeChat's XML, posts it to the
// account's callback and returns the reply, shown as a chat bubble. A menu view button or a link
// in a reply opens the page inside the phone, as WeChat's in-app browser does.
(function () {
  "use strict";
  var phone = document.getElementById("phone");
  var chat = document.getElementById("chat");
  var status = document.getElementById("status");
  var browser = document.getElementById("browser");
  var frame = document.getElementById("page");
  var LINK = /<a\s[^>]*?href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>|(https?:\/\/[^\s<>"']+)/gi;

  function person() { return document.getElementById("openid").value.trim(); }

  function bubble(kind, build) {
    var div = document.createElement("div");
    div.className = "bubble " + kind;
    build(div);
    chat.appendChild(div);
    chat.scrollTop = chat.scrollHeight;
    return div;
  }

  function note(text) { bubble("note", function (div) { div.textContent = text; }); }

  function link(url, label) {
    var a = document.createElement("a");
    a.href = url;
    a.textContent = label;
    a.addEventListener("click", function (event) { event.preventDefault(); openPage(url); });
    return a;
  }

  // A text reply as WeChat shows it: <a href> tags and bare URLs become links (each once, where
  // it stands), everything else stays text (never parsed as HTML).
  function renderText(div, content) {
    var last = 0;
    content.replace(LINK, function (match, href, label, bare, offset) {
      div.appendChild(document.createTextNode(content.slice(last, offset)));
      var url = href || bare;
      var text = bare || label.replace(/<[^>]*>/g, "");
      div.appendChild(/^https?:\/\//i.test(url) ? link(url, text) : document.createTextNode(match));
      last = offset + match.length;
      return match;
    });
    div.appendChild(document.createTextNode(content.slice(last)));
  }

  function showReply(result) {
    document.getElementById("sent").textContent = result.sent || "";
    document.getElementById("raw").textContent = result.reply || "";
    if (result.status !== 200) {
      note("the account's server answered " + (result.status || result.error));
    }
    var message = result.message;
    if (!message) { return; }
    bubble("account", function (div) {
      if (message.type === "text") {
        renderText(div, message.content);
      } else if (message.type === "news") {
        message.articles.forEach(function (article) {
          var a = link(article.url, article.title);
          a.className = "article";
          div.appendChild(a);
          if (article.description) { div.appendChild(document.createTextNode(article.description)); }
        });
      } else {
        div.textContent = message.content || message.type;
      }
    });
  }

  function showStatus(following) {
    status.dataset.following = following ? "1" : "0";
    status.textContent = following ? "已关注 · following" : "未关注 · not following";
  }

  function showSubscriptions(answers) {
    var names = Object.keys(answers);
    document.getElementById("subscriptions").textContent = names.length ?
      names.map(function (name) { return name + ": " + answers[name]; }).join(", ") :
      "none answered";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message + " " + JSON.stringify(data.fields)); }
        return data;
      });
    });
  }

  function send(body, label) {
    body.openid = person();
    if (label) { note(label); }
    return post(phone.dataset.send, body).then(function (result) {
      showStatus(result.following);
      showSubscriptions(result.subscriptions || {});
      showReply(result);
    }).catch(function (error) { note(String(error)); });
  }

  function openPage(url) {
    document.getElementById("page-url").textContent = url;
    frame.src = url;
    browser.hidden = false;
  }

  document.getElementById("close-page").addEventListener("click", function () {
    browser.hidden = true;
    frame.src = "about:blank";
  });

  function usePerson(body) {
    post(phone.dataset.personUrl, body).then(function () { window.location.reload(); })
      .catch(function (error) { note(String(error)); });
  }
  document.getElementById("use-person").addEventListener("click", function () {
    usePerson({ openid: person() });
  });
  document.getElementById("new-person").addEventListener("click", function () { usePerson({}); });

  document.getElementById("compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("text");
    var text = input.value.trim();
    if (!text) { return; }
    bubble("me", function (div) { div.textContent = text; });
    input.value = "";
    send({ action: "text", text: text });
  });

  phone.addEventListener("click", function (event) {
    var toggle = event.target.closest("button[data-toggle]");
    if (toggle) {
      var subs = toggle.nextElementSibling;
      var open = subs.hidden;
      phone.querySelectorAll(".subs").forEach(function (other) { other.hidden = true; });
      subs.hidden = !open;
      return;
    }
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    phone.querySelectorAll(".subs").forEach(function (other) { other.hidden = true; });
    var action = button.dataset.action;
    if (action === "view") {
      openPage(button.dataset.url);  // WeChat opens the page and tells the account (VIEW)
      send({ action: "view", url: button.dataset.url }, "tapped " + button.textContent);
    } else if (action === "click") {
      send({ action: "click", key: button.dataset.key }, "tapped " + button.textContent);
    } else if (action === "subscribe_popup" || action === "subscribe_off") {
      var template = document.getElementById("subscribe-template").value.trim();
      var accept = action === "subscribe_popup" && button.dataset.accept === "1";
      var label = action === "subscribe_off" ? "turned off " + template :
        (accept ? "accepted " : "rejected ") + template;
      send({ action: action, template_id: template, accept: accept }, label);
    } else if (action === "scan") {
      send({ action: "scan", scene: button.dataset.scene }, "scanned " + button.dataset.scene);
    } else {
      send({ action: action }, action === "follow" ? "followed" : "unfollowed");
    }
  });
}());

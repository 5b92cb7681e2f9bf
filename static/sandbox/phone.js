// The sandbox phone: each button posts one follower action; the server signs the XML, posts it
// to /wechat and returns the callback's reply, shown here as the chat bubble.
(function () {
  "use strict";
  var phone = document.getElementById("phone");
  var reply = document.getElementById("reply");

  function contentOf(xml) {
    var match = /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(xml || "");
    return match ? match[1] : "";
  }

  function show(result) {
    document.getElementById("sent").textContent = result.sent || "";
    document.getElementById("raw").textContent = result.reply || "";
    reply.textContent = "";
    var text = contentOf(result.reply);
    var link = /href="([^"]+)"/.exec(text);
    if (link) {
      var a = document.createElement("a");
      a.href = link[1];
      a.textContent = link[1];
      reply.appendChild(a);
    } else {
      reply.textContent = text || "(no reply; HTTP " + result.status + ")";
    }
  }

  phone.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var body = { openid: document.getElementById("openid").value, action: button.dataset.action };
    if (button.dataset.scene) { body.scene = button.dataset.scene; }
    if (button.dataset.key) { body.key = button.dataset.key; }
    if (button.dataset.url) { body.url = button.dataset.url; }
    if (body.action === "text") { body.text = document.getElementById("text").value; }
    fetch(phone.dataset.send, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) { return response.json(); })
      .then(show)
      .catch(function (error) { reply.textContent = String(error); });
  });
}());

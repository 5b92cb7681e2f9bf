/* Scratch card: the play is made when the card is issued; the result sits under a canvas
   coating that the player scratches off (touch or mouse), or reveals at once. */
(function () {
  "use strict";
  var H5 = window.H5, t = H5.t, $ = H5.$;
  var THRESHOLD = 0.45;  // share of the coating scratched off before the card reveals itself
  var ticket = $("ticket"), cover = $("cover"), under = $("ticket-under");
  var start = $("ticket-start"), getCard = $("get-card"), revealAll = $("reveal-all");
  var ctx = cover.getContext("2d");
  var current = null, drawing = false, last = null, moves = 0;

  function sizeCanvas() {
    var rect = ticket.getBoundingClientRect();
    var ratio = window.devicePixelRatio || 1;
    cover.width = Math.round(rect.width * ratio);
    cover.height = Math.round(rect.height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return rect;
  }

  function paintCoating() {
    var rect = sizeCanvas();
    ctx.globalCompositeOperation = "source-over";
    var g = ctx.createLinearGradient(0, 0, rect.width, rect.height);
    g.addColorStop(0, "#c9ccd3");
    g.addColorStop(0.5, "#eef0f3");
    g.addColorStop(1, "#b8bcc4");
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, rect.width, rect.height);
    ctx.fillStyle = "rgba(255,255,255,.35)";
    for (var x = -rect.height; x < rect.width; x += 14) {
      ctx.beginPath();
      ctx.moveTo(x, rect.height);
      ctx.lineTo(x + rect.height, 0);
      ctx.lineTo(x + rect.height + 5, 0);
      ctx.lineTo(x + 5, rect.height);
      ctx.fill();
    }
    ctx.fillStyle = "#7a7f89";
    ctx.font = "600 20px -apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(t.scratch_here, rect.width / 2, rect.height / 2);
    ctx.globalCompositeOperation = "destination-out";
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = 40;
  }

  function fillUnder(play) {
    under.innerHTML = "";
    var box = document.createElement("div");
    box.className = "under-inner " + (play.outcome === "win" ? "is-win" : "is-lose");
    var title = document.createElement("strong");
    title.textContent = play.outcome === "win" ? play.prize.name : t.lose_title;
    var sub = document.createElement("span");
    sub.textContent = play.outcome === "win" ? t.win_title : t.lose_message;
    box.appendChild(sub);
    box.appendChild(title);
    under.appendChild(box);
  }

  function issue() {
    getCard.disabled = true;
    getCard.textContent = t.loading;
    H5.play(H5.config.urls.play).then(function (play) {
      current = play;
      paintCoating();       // the coating first: the result never shows before scratching
      fillUnder(play);
      ticket.dataset.state = "issued";
      start.hidden = true;
      revealAll.disabled = false;
      if (H5.reducedMotion) cover.classList.add("no-fade");
    }, function () {
      getCard.disabled = false;
      getCard.textContent = t.get_card;
    });
  }

  function point(event) {
    var rect = cover.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  function scratchedShare() {
    var data = ctx.getImageData(0, 0, cover.width, cover.height).data;
    var clear = 0, total = 0;
    for (var i = 3; i < data.length; i += 4 * 16) {  // every 16th pixel is plenty
      total++;
      if (data[i] === 0) clear++;
    }
    return total ? clear / total : 0;
  }

  function reveal() {
    if (ticket.dataset.state !== "issued") return;
    ticket.dataset.state = "revealed";
    revealAll.disabled = true;
    cover.classList.add("is-gone");
    ticket.dataset.outcome = current.outcome;
    H5.showResult(current);
  }

  cover.addEventListener("pointerdown", function (event) {
    if (ticket.dataset.state !== "issued") return;
    drawing = true;
    last = point(event);
    if (cover.setPointerCapture) cover.setPointerCapture(event.pointerId);
    ctx.beginPath();
    ctx.arc(last.x, last.y, 20, 0, Math.PI * 2);
    ctx.fill();
    event.preventDefault();
  });
  cover.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    if (++moves % 8 === 0 && scratchedShare() > THRESHOLD) reveal();
    event.preventDefault();
  });
  function stop() {
    if (!drawing) return;
    drawing = false;
    if (scratchedShare() > THRESHOLD) reveal();
  }
  cover.addEventListener("pointerup", stop);
  cover.addEventListener("pointercancel", stop);

  getCard.addEventListener("click", issue);
  revealAll.addEventListener("click", reveal);
  H5.onAgain(function () {
    ticket.dataset.state = "ready";
    delete ticket.dataset.outcome;
    cover.classList.remove("is-gone");
    ctx.globalCompositeOperation = "source-over";
    ctx.clearRect(0, 0, cover.width, cover.height);
    under.innerHTML = "";
    start.hidden = false;
    getCard.disabled = false;
    getCard.textContent = t.get_card;
    getCard.focus();
  });
})();

/* Spin wheel: segments from the prize table (prizes alternate with "no prize"); the server's
   play names the segment and the wheel eases onto exactly that one. The final angle and the
   segment are in data attributes so a test can check the pointer against the server. */
(function () {
  "use strict";
  var H5 = window.H5, t = H5.t, $ = H5.$;
  var NS = "http://www.w3.org/2000/svg";
  var segments = H5.config.segments;
  var n = segments.length, step = 360 / n;
  var wheel = $("wheel"), spin = $("spin");
  var rotation = 0;   // degrees, clockwise, accumulated across spins
  var SPIN_MS = 4800;

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function polar(deg, r) {  // 0 degrees at the top, clockwise
    var rad = (deg - 90) * Math.PI / 180;
    return [r * Math.cos(rad), r * Math.sin(rad)];
  }

  /* At most two short lines: "10元优惠券 Coupon" reads as a Chinese line over an English one. */
  function splitLabel(label) {
    var cut = function (s) { return s.length > 8 ? s.slice(0, 7) + "…" : s; };
    var space = label.indexOf(" ");
    if (label.length <= 6 || space < 0) return [cut(label)];
    return [cut(label.slice(0, space)), cut(label.slice(space + 1))];
  }

  function draw() {
    var colors = ["var(--seg-a)", "var(--seg-b)"];
    segments.forEach(function (seg, i) {
      var a0 = i * step, a1 = (i + 1) * step;
      var p0 = polar(a0, 96), p1 = polar(a1, 96);
      var path = el("path", {
        d: "M0 0L" + p0[0].toFixed(3) + " " + p0[1].toFixed(3) + "A96 96 0 " +
          (step > 180 ? 1 : 0) + " 1 " + p1[0].toFixed(3) + " " + p1[1].toFixed(3) + "Z",
        "class": seg.prize ? "seg seg-prize" : "seg seg-blank",
        fill: seg.prize ? colors[0] : colors[1]
      });
      wheel.appendChild(path);
      var mid = a0 + step / 2;
      var g = el("g", { transform: "rotate(" + mid + ")" });
      var lines = splitLabel(seg.label);
      var text = el("text", {
        x: 0, y: lines.length > 1 ? -68 : -62, "text-anchor": "middle",
        "class": seg.prize ? "seg-text seg-text-prize" : "seg-text"
      });
      lines.forEach(function (line, k) {
        var span = el("tspan", { x: 0, dy: k ? 11 : 0 });
        span.textContent = line;
        text.appendChild(span);
      });
      g.appendChild(text);
      wheel.appendChild(g);
    });
    for (var i = 0; i < n * 2; i++) {
      var p = polar(i * step / 2, 98.5);
      wheel.appendChild(el("circle", { cx: p[0], cy: p[1], r: 2.2, "class": "bulb" }));
    }
  }

  /* The rotation that puts segment `index` under the pointer at the top, a little off centre
     so the wheel does not look robotic, at least four turns past where it stands now. */
  function target(index) {
    var jitter = (Math.random() - 0.5) * step * 0.6;
    var wanted = (360 - (index * step + step / 2 + jitter)) % 360;
    var base = rotation - (((rotation % 360) + 360) % 360);
    var turns = H5.reducedMotion ? 0 : 5;
    var next = base + turns * 360 + wanted;
    while (next <= rotation && !H5.reducedMotion) next += 360;
    return next;
  }

  function land(play) {
    var angle = target(play.segment);
    rotation = angle;
    wheel.dataset.segment = String(play.segment);
    wheel.dataset.finalAngle = String(angle);
    var done = function () {
      wheel.dataset.state = "stopped";
      spin.textContent = t.spin;
      H5.showResult(play);
      spin.disabled = H5.playsLeft() === 0;
    };
    wheel.dataset.state = "spinning";
    if (H5.reducedMotion) {
      wheel.style.transition = "none";
      wheel.style.transform = "rotate(" + angle + "deg)";
      done();
      return;
    }
    wheel.style.transition = "transform " + SPIN_MS + "ms cubic-bezier(.12,.66,.1,1)";
    wheel.style.transform = "rotate(" + angle + "deg)";
    var finished = false;
    var finish = function () { if (!finished) { finished = true; done(); } };
    wheel.addEventListener("transitionend", finish, { once: true });
    window.setTimeout(finish, SPIN_MS + 400);  // a hidden tab may never fire transitionend
  }

  function go() {
    spin.disabled = true;
    spin.textContent = t.spinning;
    $("result").hidden = true;
    H5.play(H5.config.urls.play).then(land, function () {
      spin.disabled = false;
      spin.textContent = t.spin;
    });
  }

  draw();
  spin.addEventListener("click", go);
  H5.onAgain(function () { go(); });
})();

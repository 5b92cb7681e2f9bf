/* Nine-square grid: a light runs round the eight cells (clockwise from the top left) from the
   moment the player taps, speeds up, and once the play's response names the cell, slows down
   onto exactly that one. The drawn cell goes in the board's data-cell, so a test can check the
   lit cell against the server. With reduced motion the drawn cell is simply lit. */
(function () {
  "use strict";
  var H5 = window.H5, t = H5.t, $ = H5.$;
  var board = $("board"), button = $("draw");
  var cells = Array.prototype.slice.call(board.querySelectorAll(".grid-cell"));
  var n = cells.length;
  var START_MS = 240, FAST_MS = 60, SLOW_MS = 480;  // delay between two steps of the light
  var MIN_RUN = 2 * n;        // steps at speed before it may slow down: two laps at least
  var MIN_SLOWDOWN = n + 2;   // steps spent slowing down, so the stop reads as a stop
  var lit = -1;               // the lit cell (it stays lit on the result between plays)

  /* A prize name that overflows its two lines gets the cell's smaller style (measured with the
     phone's own font, so it holds for any name and width). */
  function fit() {
    cells.forEach(function (cell) {
      cell.classList.remove("is-long");
      var label = cell.querySelector(".grid-label");
      if (label.scrollHeight > label.clientHeight + 1 || label.scrollWidth > label.clientWidth) {
        cell.classList.add("is-long");
      }
    });
  }

  function light(index) {
    if (lit >= 0) cells[lit].classList.remove("is-lit");
    lit = index;
    if (index >= 0) cells[index].classList.add("is-lit");
  }

  /* Speeding up over the first lap, from START_MS to FAST_MS. */
  function speedingUp(step) {
    return START_MS + (FAST_MS - START_MS) * Math.min(step / n, 1);
  }

  /* Slowing down, eased: step `done` of `total` waits from FAST_MS up to SLOW_MS. */
  function slowingDown(done, total) {
    var k = done / total;
    return FAST_MS + (SLOW_MS - FAST_MS) * k * k;
  }

  /* Steps from cell `from` that end on cell `to`, at least MIN_SLOWDOWN of them. */
  function stepsTo(from, to) {
    var steps = ((to - from) % n + n) % n;
    while (steps < MIN_SLOWDOWN) steps += n;
    return steps;
  }

  /* Run the light until `drawn` (a promise of the cell) settles, then stop on that cell.
     Resolves once it is lit there; rejects with the play's refusal (the light goes out). */
  function run(drawn) {
    return new Promise(function (resolve, reject) {
      var step = 0, target = null, left = 0, total = 0, timer = null;
      drawn.then(function (cell) { target = cell; }, function (err) {
        window.clearTimeout(timer);
        light(-1);
        reject(err);
      });
      function tick() {
        light((lit + 1) % n);
        step += 1;
        if (left > 0) {
          left -= 1;
          if (left === 0) { resolve(); return; }
          timer = window.setTimeout(tick, slowingDown(total - left, total));
        } else if (target !== null && step >= MIN_RUN) {
          total = left = stepsTo(lit, target);
          timer = window.setTimeout(tick, slowingDown(0, total));
        } else {
          timer = window.setTimeout(tick, speedingUp(step));
        }
      }
      tick();
    });
  }

  function idle() {
    board.dataset.state = "idle";
    board.removeAttribute("aria-busy");
    button.textContent = t.draw;
    button.disabled = false;
  }

  function go() {
    button.disabled = true;
    button.textContent = t.drawing;
    board.dataset.state = "running";
    board.setAttribute("aria-busy", "true");
    delete board.dataset.cell;
    $("result").hidden = true;
    var answer = H5.play(H5.config.urls.play);
    var drawn = answer.then(function (play) { return play.cell; });
    var landed = H5.reducedMotion ? drawn.then(light) : run(drawn);
    Promise.all([answer, landed]).then(function (done) {
      var play = done[0];
      board.dataset.cell = String(play.cell);
      idle();
      board.dataset.state = "stopped";
      H5.showResult(play);
      button.disabled = H5.playsLeft() === 0;
    }, idle);
  }

  fit();
  window.addEventListener("resize", fit);
  button.addEventListener("click", go);
  H5.onAgain(go);
})();

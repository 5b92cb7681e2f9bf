/* Quiz: the questions arrive without answers; the server grades the one submission and, on a
   pass, draws in the same response. A retry resubmits the same attempt: same result. */
(function () {
  "use strict";
  var H5 = window.H5, t = H5.t, $ = H5.$;
  var intro = $("quiz-intro"), form = $("quiz"), startBtn = $("quiz-start"), next = $("quiz-next");
  var review = $("review");
  var attempt = null, index = 0, chosen = {};

  function start() {
    startBtn.disabled = true;
    startBtn.textContent = t.loading;
    review.hidden = true;
    H5.withRetry(function () { return H5.request("POST", H5.config.urls.quiz); })
      .then(function (data) {
        attempt = data;
        index = 0;
        chosen = {};
        intro.hidden = true;
        form.hidden = false;
        form.dataset.attempt = data.attempt_id;
        // A resumed attempt keeps its first start: count down from what the server says is
        // left, never from a fresh limit.
        data.endsAt = Date.now() + (data.seconds_left || 0) * 1000;
        clearInterval(countdown);
        if (data.seconds) {
          countdown = setInterval(function () {
            if (!form.hidden) $("q-count").textContent = $("q-count").textContent
              .replace(/ · .*$/, "") + timeLeft();
          }, 1000);
        }
        render();
      }, function () {
        startBtn.disabled = false;
        startBtn.textContent = t.quiz_start;
      });
  }

  function render() {
    var q = attempt.questions[index], total = attempt.questions.length;
    $("q-count").textContent = H5.format(t.question_of, { i: index + 1, n: total }) + timeLeft();
    $("q-text").textContent = q.text;
    $("quiz-bar").style.width = (100 * index / total) + "%";
    var options = $("options");
    options.innerHTML = "";
    q.options.forEach(function (text, k) {
      var label = document.createElement("label");
      label.className = "option";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "q" + q.id;
      input.value = String(k);
      input.checked = chosen[q.id] === k;
      input.addEventListener("change", function () {
        chosen[q.id] = k;
        next.disabled = false;
      });
      var mark = document.createElement("span");
      mark.className = "option-mark";
      mark.textContent = String.fromCharCode(65 + k);
      var span = document.createElement("span");
      span.className = "option-text";
      span.textContent = text;
      label.appendChild(input);
      label.appendChild(mark);
      label.appendChild(span);
      options.appendChild(label);
    });
    next.disabled = chosen[q.id] === undefined;
    next.textContent = index === total - 1 ? t.submit : t.next;
    var first = options.querySelector("input");
    if (first && index > 0) first.focus();
  }

  /* The time limit, if the campaign sets one: shown beside the question count; the server
     decides lateness from its own clock. */
  var countdown = null;

  function timeLeft() {
    if (!attempt.seconds) return "";
    var left = Math.max(0, Math.ceil((attempt.endsAt - Date.now()) / 1000));
    return " · " + H5.format(t.quiz_time_left, { s: left });
  }

  function submit() {
    next.disabled = true;
    next.textContent = t.loading;
    var answers = Object.keys(chosen).map(function (id) {
      return { question_id: Number(id), option: chosen[id] };
    });
    var url = H5.config.urls.quiz + "/" + encodeURIComponent(attempt.attempt_id);
    H5.play(url, { answers: answers }).then(graded, function () {
      next.disabled = false;
      next.textContent = t.submit;
    });
  }

  function graded(data) {
    form.hidden = true;
    form.dataset.score = String(data.score);
    review.innerHTML = "";
    data.results.forEach(function (r, k) {
      var q = attempt.questions[k];
      var li = document.createElement("li");
      li.className = r.correct ? "is-right" : "is-wrong";
      var text = document.createElement("span");
      text.textContent = q.text;
      var verdict = document.createElement("small");
      verdict.textContent = r.correct ? t.correct :
        H5.format(t.wrong, { a: q.options[r.answer] });
      li.appendChild(text);
      li.appendChild(verdict);
      review.appendChild(li);
    });
    review.hidden = false;
    var score = H5.format(t.your_score, { s: data.score, n: data.total }) + " · " +
      (data.passed ? t.quiz_passed : data.late ? t.quiz_late : t.quiz_failed);
    $("result").dataset.score = String(data.score);
    H5.showResult(data.play, score);
    if (!data.passed) {
      $("result-title").textContent = t.lose_title;
    }
  }

  startBtn.addEventListener("click", start);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (next.disabled) return;
    if (index < attempt.questions.length - 1) {
      index++;
      render();
    } else {
      submit();
    }
  });
  H5.onAgain(function () {
    review.hidden = true;
    start();
  });
})();

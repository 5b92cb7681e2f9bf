// Campaign editor: add, remove and reorder prize rows and quiz questions. Rows are renumbered
// on submit (prizes.0.name, prizes.1.name, ...) so their order on the page is their order.
(function () {
  "use strict";
  var form = document.getElementById("campaign-form");
  if (!form) return;

  function field(input) {
    return input.dataset.name || input.name.split(".").pop();
  }

  function renumber(selector, table) {
    form.querySelectorAll(selector).forEach(function (row, index) {
      row.querySelectorAll("input, select, textarea").forEach(function (input) {
        if (input.dataset.name || input.name.indexOf(table + ".") === 0) {
          input.name = table + "." + index + "." + field(input);
        }
      });
    });
  }

  function addFrom(templateId, container) {
    var row = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    container.appendChild(row);
    var first = row.querySelector("input:not([type=hidden]), textarea");
    if (first) first.focus();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var row = button.closest(".prize-row, .question-row");
    if (button.id === "add-prize") {
      addFrom("prize-template", document.querySelector("#prize-table tbody"));
    } else if (button.id === "add-question") {
      addFrom("question-template", document.getElementById("question-list"));
    } else if (row && (button.classList.contains("remove") || button.classList.contains("remove-question"))) {
      row.remove();
    } else if (row && button.classList.contains("up") && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
    } else if (row && button.classList.contains("down") && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
    }
  });

  form.addEventListener("submit", function () {
    renumber(".prize-row", "prizes");
    renumber(".question-row", "questions");
  });

  var game = form.querySelector("select[name=game]");
  var quiz = document.getElementById("quiz-fields");
  function showQuiz() {
    // The games that ask questions are named by the page (the registry's), never here.
    if (game && quiz) quiz.hidden = quiz.dataset.games.split(" ").indexOf(game.value) < 0;
  }
  if (game) game.addEventListener("change", showQuiz);
  showQuiz();

  var follow = document.getElementById("require-follow");
  var hint = document.getElementById("follow-hint");
  function showHint() {
    if (follow && hint) hint.hidden = !follow.checked;
  }
  if (follow) follow.addEventListener("change", showHint);
  showHint();
})();

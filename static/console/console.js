// Every console page: forms marked data-confirm ask before they are sent (no inline handlers,
// so the strict Content-Security-Policy holds).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

// Module reading page: the completion button waits out the last section's
// minimum reading time. The server decides; this only spares a refused click.
(function () {
  "use strict";
  var button = document.querySelector("[data-enable-in]");
  if (!button) { return; }
  var seconds = parseInt(button.getAttribute("data-enable-in"), 10) || 0;
  window.setTimeout(function () {
    button.disabled = false;
    button.removeAttribute("aria-disabled");
    button.removeAttribute("aria-describedby");
    var note = document.querySelector("[data-hide-when-ready]");
    if (note) { note.hidden = true; }
  }, (seconds + 1) * 1000);
})();

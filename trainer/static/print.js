// The certificate page's Print button: shown only when this script runs (inline scripts are not allowed).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});

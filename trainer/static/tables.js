// Tables on small screens (see app.css): a `.table-cards` table shows each row as a
// card, each value under its column's name; a table that still scrolls sideways
// becomes a named, focusable region so keyboard users can scroll it too.
(function () {
  document.querySelectorAll("table.table-cards").forEach(function (table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        if (names[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column]);
        column += cell.colSpan || 1;
      });
    });
  });

  function nameOf(region) {
    var table = region.querySelector("table");
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    if (table && table.caption) return table.caption.textContent.trim();
    var heading = document.querySelector("main h1");
    return heading ? heading.textContent.trim() : document.title;
  }

  function markScrolling() {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      if (region.dataset.fixedRegion) return;  // the template named it already
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (scrolls) {
        region.tabIndex = 0;
        region.setAttribute("role", "region");
        if (!region.hasAttribute("aria-label")) region.setAttribute("aria-label", nameOf(region));
      } else if (region.getAttribute("role") === "region") {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    });
  }
  markScrolling();
  window.addEventListener("resize", markScrolling);
})();

// What every page of the portal gets on top of its HTML, which works without it (progressive enhancement):
// - on a phone a table is a pile of cards, one a row, each cell under its column's name (cells get data-label and
//   ARIA roles, so that screen readers still read a table once CSS has made its parts blocks: portal.css);
// - a table wider than its box scrolls inside it, and that box takes the keyboard's focus (arrow keys scroll it)
//   and is named after the table, unless the template already says so.
(function () {
  "use strict";
  function text(el) { return (el.textContent || "").replace(/\s+/g, " ").trim(); }

  function stack(table) {
    var heads = table.querySelectorAll("thead tr:last-child > th");
    if (!heads.length || table.classList.contains("stack")) { return; }
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (g) { g.setAttribute("role", "rowgroup"); });
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var inHead = cell.parentNode.parentNode.tagName === "THEAD";
        var header = cell.tagName === "TH";
        cell.setAttribute("role", inHead ? "columnheader" : (header ? "rowheader" : "cell"));
        if (!inHead && heads[column] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", text(heads[column])); }
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stack");
  }

  function nameOf(table) {
    if (table.getAttribute("aria-labelledby")) { return {labelledby: table.getAttribute("aria-labelledby")}; }
    if (table.getAttribute("aria-label")) { return {label: table.getAttribute("aria-label")}; }
    if (table.caption) { return {label: text(table.caption)}; }
    var el = table.closest(".table-wrap") || table;
    while (el && el !== document.body) {
      var before = el.previousElementSibling;
      while (before) {
        if (/^H[1-6]$/.test(before.tagName)) { return {label: text(before)}; }
        before = before.previousElementSibling;
      }
      el = el.parentElement;
    }
    return {label: document.title};
  }

  function scrollable(wrap) {
    var table = wrap.querySelector("table");
    if (!table || wrap.hasAttribute("data-scroll-named")) { return; }
    var wide = wrap.scrollWidth > wrap.clientWidth + 1;
    if (!wide && !wrap.hasAttribute("data-scroll-set")) { return; }
    if (wrap.hasAttribute("data-scroll-set")) {
      if (wide) { wrap.setAttribute("tabindex", "0"); } else { wrap.removeAttribute("tabindex"); }
      return;
    }
    if (wrap.hasAttribute("tabindex")) { wrap.setAttribute("data-scroll-named", ""); return; }  // the template's own
    var name = nameOf(table);
    wrap.setAttribute("role", "region");
    if (name.labelledby) { wrap.setAttribute("aria-labelledby", name.labelledby); } else { wrap.setAttribute("aria-label", name.label); }
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("data-scroll-set", "");
  }

  function all() { Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), scrollable); }

  Array.prototype.forEach.call(document.querySelectorAll("main table"), stack);
  all();
  window.addEventListener("resize", all);
}());

// What every page of the portal gets on top of its HTML, which works without it (progressive enhancement):
// - on a phone, and on a tablet for a table too wide for it, a table is a pile of cards, one a row, each cell under
//   its column's name (cells get data-label and ARIA roles, so that screen readers still read a table once CSS has
//   made its parts blocks: table.cards in portal.css);
// - a table still wider than its box scrolls inside it, and that box takes the keyboard's focus (arrow keys scroll
//   it) and is named after the table, unless the template already says so;
// - after a refused form, the focus is on the summary of what to correct (the template's autofocus does it too);
// - in a form marked data-no-enter, Enter in a field does not send the whole form (a button still does);
// - the attendance form's "all present" ([data-all-present]): every man not marked yet is marked present.
(function () {
  "use strict";
  function text(el) { return (el.textContent || "").replace(/\s+/g, " ").trim(); }

  // each column's name from the table's head, rows and columns spanned ("Event to inbox · Median")
  function columnNames(table) {
    var grid = [];
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows : [], function (row, r) {
      grid[r] = grid[r] || [];
      var c = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (grid[r][c]) { c += 1; }
        for (var i = 0; i < (cell.rowSpan || 1); i += 1) {
          grid[r + i] = grid[r + i] || [];
          for (var j = 0; j < (cell.colSpan || 1); j += 1) { grid[r + i][c + j] = cell; }
        }
        c += cell.colSpan || 1;
      });
    });
    var names = [];
    grid.forEach(function (row) {
      row.forEach(function (cell, c) {
        var words = text(cell);
        names[c] = names[c] || [];
        if (words && names[c].indexOf(words) < 0) { names[c].push(words); }
      });
    });
    return names.map(function (parts) { return parts.join(" · "); });
  }

  function stack(table) {
    var names = columnNames(table);
    if (!names.length || table.classList.contains("stack")) { return; }
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("thead, tbody, tfoot"), function (g) { g.setAttribute("role", "rowgroup"); });
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var inHead = cell.parentNode.parentNode.tagName === "THEAD";
        var header = cell.tagName === "TH";
        cell.setAttribute("role", inHead ? "columnheader" : (header ? "rowheader" : "cell"));
        if (!inHead && names[column] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[column]); }
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("stack");
  }

  // cards on a phone, and on a wider screen for a table wider than its box (it would scroll sideways)
  var phone = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : {matches: false};
  function cards(table) {
    table.classList.remove("cards");
    var box = table.parentElement;
    if (phone.matches || table.offsetWidth > box.clientWidth + 1) { table.classList.add("cards"); }
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

  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("main table.stack"), cards);
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), scrollable);
  }

  function noEnter(form) {
    form.addEventListener("keydown", function (event) {
      var el = event.target;
      if (event.key === "Enter" && el.tagName === "INPUT" && el.type !== "submit" && el.type !== "button") {
        event.preventDefault();
      }
    });
  }

  function allPresent(box) {
    var form = box.closest("form");
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () {
      Array.prototype.forEach.call(form.querySelectorAll(".man"), function (man) {
        if (man.querySelector(".attendance-marks input:checked")) { return; }
        var present = man.querySelector('.attendance-marks input[value="present"]');
        if (present) { present.checked = true; }
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("main table"), stack);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-no-enter]"), noEnter);
  Array.prototype.forEach.call(document.querySelectorAll("[data-all-present]"), allPresent);
  var summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) { summary.focus(); }
  all();
  window.addEventListener("resize", all);
}());

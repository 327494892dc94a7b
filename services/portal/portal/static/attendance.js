// The attendance form survives a dropped line (issue 21). What is typed is kept on this tablet (localStorage, under
// the user and the session) as it is typed, so a reload or a lost page gives it back. A form sent while the line is
// down is kept and the page says so ([data-kept]); it is sent again when the line is back, or when the page is opened
// again, with the same key (the form's `idem`, which the portal passes on to sessions as its Idempotency-Key): a form
// that did reach sessions before the line dropped gets its first answer, so nothing is recorded twice and nothing is
// lost. A page that shows the session recorded ([data-forget]) forgets what was kept. Without JavaScript the form
// posts as before.
(function () {
  "use strict";
  var store = null;
  try { store = window.localStorage; } catch (e) { /* storage refused: the form posts as before */ }
  if (!store) { return; }
  var PREFIX = "qadam.kept.";
  Array.prototype.forEach.call(document.querySelectorAll("[data-forget]"), function (el) {
    store.removeItem(PREFIX + el.getAttribute("data-forget"));
  });
  var form = document.querySelector("form[data-keep]");
  if (!form || !window.fetch || !window.URLSearchParams) { return; }
  var key = PREFIX + form.getAttribute("data-keep");
  var notice = document.querySelector("[data-kept]");
  var RETRY_SECONDS = 20;
  var sending = false;

  function kept() {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function keep(pending) {
    var values = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token") { values.push([name, String(value)]); }  // the page's own token goes, never a kept one
    });
    try { store.setItem(key, JSON.stringify({values: values, pending: pending})); } catch (e) { /* storage full */ }
  }
  function put(saved) {
    var choices = Array.prototype.filter.call(form.elements, function (el) {
      return el.type === "radio" || el.type === "checkbox";
    });
    choices.forEach(function (el) { el.checked = false; });
    saved.values.forEach(function (pair) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== pair[0]) { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === pair[1]) { el.checked = true; }
        } else if (el.type !== "submit" && el.type !== "button") {
          el.value = pair[1];
        }
      });
    });
  }
  function say(shown) {
    if (!notice) { return; }
    notice.hidden = !shown;
    if (shown) { notice.focus(); }
  }
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function send() {
    if (sending) { return; }
    sending = true;
    keep(true);
    window.fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form)),
                               credentials: "same-origin", redirect: "manual", cache: "no-store"})
      .then(function (answer) {
        if (answer.type === "opaqueredirect") {
          // recorded (or replayed): the page it leads to says so, and forgets what was kept
          window.location.assign(form.getAttribute("data-sent"));
        } else {
          // a mark to correct, or a session recorded meanwhile: the portal's own page for this form, sent again with
          // the same key (nothing was recorded, or sessions gives its first answer)
          store.removeItem(key);
          HTMLFormElement.prototype.submit.call(form);
        }
      }, function () {
        sending = false;
        say(true);
      });
  }

  var saved = kept();
  if (saved) { put(saved); }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
  function typed() {
    var before = kept();
    if (before && before.pending) {
      // changed after it was kept unsent: another request, with a key of its own (the kept one may have reached it)
      form.elements.idem.value = newKey();
      say(false);
    }
    keep(false);
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  function again() {
    var now = kept();
    if (now && now.pending) { send(); }
  }
  // the line is back: the browser may say so, or not (a line up with no way through): try again now and then too
  window.addEventListener("online", again);
  window.setInterval(again, RETRY_SECONDS * 1000);
  if (saved && saved.pending) {
    say(true);
    send();  // opened again: whether the line is back is known by trying
  }
}());

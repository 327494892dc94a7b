// Someone writing a long note makes no request for a while; the sign-in must not end under their hands.
// While they type, tell the portal every few minutes (a GET of /account/alive); when they stop, stop too,
// so an unattended screen is still signed out after QADAM_PORTAL_IDLE_MINUTES.
(function () {
  "use strict";
  var typing = false;
  document.addEventListener("input", function () { typing = true; }, true);
  window.setInterval(function () {
    if (!typing) { return; }
    typing = false;
    if (window.fetch) { window.fetch("/account/alive", {credentials: "same-origin", cache: "no-store"}); }
  }, 4 * 60 * 1000);
}());

/* Accord's own script: where focus goes and what is announced after htmx changes part of a page.
   Every page works without it (and without htmx); it only keeps keyboard and screen-reader users
   in the right place when a part of the page is replaced in place. */
(function () {
  "use strict";

  // Make an element focusable by script only (not a Tab stop), then focus it.
  function focusOn(element) {
    if (!element) { return; }
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  // The element itself, or the heading that names it: a section or item is read from its heading.
  function headingOf(element) {
    return element.matches("h1, h2, h3, h4") ? element : element.querySelector("h1, h2, h3, h4");
  }

  // A live region that survives htmx swaps (hx-preserve); newly inserted status text is not
  // reliably announced, so the text is copied into this one region that was there all along.
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function focusWasLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // The server names what changed (HX-Trigger-After-Settle: {"accord:focus": "#notes"}).
  document.addEventListener("accord:focus", function (event) {
    var target = document.querySelector(event.detail && event.detail.value);
    if (target) { focusOn(headingOf(target) || target); }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!swapped || !swapped.isConnected || swapped.closest("#announcer")) { return; }
    var messages = swapped.querySelectorAll(".flash");
    if (messages.length && !swapped.closest("#flashes")) {
      announce(Array.prototype.map.call(messages, function (m) { return m.textContent.trim(); }).join(" "));
    }
    // Only a person's own action moves focus: never a poll, and never away from a control
    // that still has it (a filter that refreshes a list below it).
    var config = event.detail && event.detail.requestConfig;
    if (!config || !config.triggeringEvent) { return; }
    var opener = config.elt && config.elt.matches && config.elt.matches("a[hx-get]");
    if (focusWasLost() || opener) {
      var form = swapped.matches(".inline-form") ? swapped : swapped.querySelector(".inline-form");
      var place = swapped.querySelector("[autofocus]") || (form && headingOf(form)) || headingOf(swapped) || swapped;
      focusOn(place);
    }
  });

  // The session's end after inactivity (base.html's #session-notice): two minutes before, the
  // notice becomes a warning with its "Stay signed in" button focused; at the end, the page
  // reloads, and the server sends the person to sign in with a message. Any htmx request is
  // activity, so it moves the end on.
  var WARN_BEFORE_MS = 2 * 60 * 1000;
  var notice = document.getElementById("session-notice");
  if (notice) {
    var endsAt = Date.parse(notice.getAttribute("data-ends-at"));
    var idleMs = parseInt(notice.getAttribute("data-idle-seconds"), 10) * 1000;
    var warned = false;
    var check = function () {
      var left = endsAt - Date.now();
      if (left <= 0) { window.location.reload(); return; }
      if (left <= WARN_BEFORE_MS && !warned) {
        warned = true;
        notice.classList.add("session-warning");
        notice.setAttribute("role", "alert");
        var text = document.getElementById("session-notice-text");
        if (text) { text.textContent = "You will be signed out in 2 minutes because there has been no activity."; }
        focusOn(document.getElementById("stay-signed-in"));
      }
    };
    document.addEventListener("htmx:afterRequest", function () {
      if (!isNaN(idleMs) && !warned) { endsAt = Date.now() + idleMs; }
    });
    if (!isNaN(endsAt)) { window.setInterval(check, 15000); }
  }
}());

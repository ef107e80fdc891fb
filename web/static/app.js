// Kite admin: small behaviours shared by every page. Page-local state lives
// in Alpine components inside the templates; this file only wires globals.
(function () {
  "use strict";

  // Theme toggle: auto -> dark -> light -> auto, remembered per browser.
  function cycleTheme() {
    var root = document.documentElement;
    var next = { auto: "dark", dark: "light", light: "auto" }[root.dataset.theme || "auto"];
    root.dataset.theme = next;
    if (next === "auto") localStorage.removeItem("kite-theme");
    else localStorage.setItem("kite-theme", next);
  }

  // Copy buttons: <button data-copy="#id"> copies the target's value or text.
  function copyFrom(btn) {
    var el = document.querySelector(btn.dataset.copy);
    if (!el) return;
    var text = "value" in el ? el.value : el.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      btn.classList.add("done");
      setTimeout(function () { btn.classList.remove("done"); }, 1200);
    });
  }

  // Keyboard: "/" focuses the page search, "g" then a letter follows a nav hotkey.
  var pendingG = false;
  function onKey(e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/") {
      var s = document.querySelector("[data-search]");
      if (s) { e.preventDefault(); s.focus(); }
      return;
    }
    if (pendingG) {
      pendingG = false;
      var link = document.querySelector('[data-hotkey="g ' + e.key + '"]');
      if (link) { e.preventDefault(); link.click(); }
      return;
    }
    if (e.key === "g") pendingG = true;
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest("#theme-toggle");
    if (t) return cycleTheme();
    var c = e.target.closest("[data-copy]");
    if (c) { e.preventDefault(); copyFrom(c); }
    var row = e.target.closest("tr[data-href]");
    if (row && !e.target.closest("a,button,input,form")) window.location = row.dataset.href;
  });
  document.addEventListener("keydown", onKey);
})();

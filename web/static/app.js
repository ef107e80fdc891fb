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
  // <form data-confirm="question"> asks before it submits (destructive actions).
  document.addEventListener("submit", function (e) {
    var q = e.target.dataset && e.target.dataset.confirm;
    if (q && !window.confirm(q)) e.preventDefault();
  });
  // <select data-autosubmit> submits its form on change (list filters).
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]") && e.target.form) e.target.form.submit();
  });
})();

// Alpine components used by the templates, registered with Alpine.data (the
// CSP build of Alpine resolves x-data names only there). Server data arrives
// as JSON in the x-data argument; nothing is evaluated as code.

// linkBuilder: the campaign's tracking link with the traffic source's parameters.
function linkBuilder(ex) {
  var params = ex.params || [];
  return {
    on: params.map(function () { return true; }),
    link: function () {
      var self = this;
      var q = params.filter(function (_, i) { return self.on[i]; })
        .map(function (p) { return encodeURIComponent(p.name) + "=" + p.macro; });
      return ex.base + "/" + ex.alias + (q.length ? "?" + q.join("&") : "");
    }
  };
}

// reorder: drag-and-drop of list items; the form posts the new order.
function reorder() {
  var dragged = null;
  return {
    dirty: false,
    start: function (e) { dragged = e.target.closest("li"); dragged.classList.add("dragging"); },
    over: function (e) {
      var li = e.target.closest("li");
      if (!dragged || !li || li === dragged || li.parentNode !== dragged.parentNode) return;
      var r = li.getBoundingClientRect();
      li.parentNode.insertBefore(dragged, (e.clientY - r.top) > r.height / 2 ? li.nextSibling : li);
    },
    drop: function () { if (dragged) dragged.classList.remove("dragging"); dragged = null; this.dirty = true; },
    // Keyboard: Alt+Up / Alt+Down moves the focused item.
    move: function (e, up) {
      var li = e.target.closest("li"), to = up ? li.previousElementSibling : li.nextElementSibling;
      if (!to) return;
      li.parentNode.insertBefore(li, up ? to : to.nextSibling);
      li.focus();
      this.dirty = true;
    }
  };
}

// jsonRows: a table editor over a JSON textarea (x-ref="json"), which stays
// the form value; toRows/fromRows convert between the document and the rows.
function jsonRows(toRows, fromRows, blank) {
  return {
    rows: [],
    init: function () { this.load(); },
    load: function () {
      var doc = null;
      try { doc = JSON.parse(this.$refs.json.value || "null"); } catch (e) { return; } // keep typed JSON as is
      this.rows = toRows(doc);
    },
    save: function () { this.$refs.json.value = JSON.stringify(fromRows(this.rows), null, 2); },
    add: function () { this.rows.push(blank()); this.save(); },
    remove: function (i) { this.rows.splice(i, 1); this.save(); }
  };
}

// paramsEditor: a traffic source template {kite_param: {name, placeholder}}.
function paramsEditor(keys) {
  var c = jsonRows(function (doc) {
    return Object.keys(doc || {}).sort().map(function (k) {
      return { key: k, name: doc[k].name || "", placeholder: doc[k].placeholder || "" };
    });
  }, function (rows) {
    var doc = {};
    rows.forEach(function (r) { if (r.key) doc[r.key] = { name: r.name, placeholder: r.placeholder }; });
    return doc;
  }, function () { return { key: keys[0], name: "", placeholder: "" }; });
  c.keys = keys;
  return c;
}

// postbacksEditor: a campaign's S2S postbacks [{method, statuses, url}].
function postbacksEditor() {
  var c = jsonRows(function (doc) {
    return (Array.isArray(doc) ? doc : []).map(function (p) {
      return { method: p.method || "GET", statuses: (p.statuses || []).slice(), url: p.url || "" };
    });
  }, function (rows) { return rows; }, function () { return { method: "GET", statuses: ["sale"], url: "" }; });
  c.statuses = ["lead", "sale", "rejected", "rebill"];
  return c;
}

document.addEventListener("alpine:init", function () {
  window.Alpine.data("linkBuilder", linkBuilder);
  window.Alpine.data("reorder", reorder);
  window.Alpine.data("paramsEditor", paramsEditor);
  window.Alpine.data("postbacksEditor", postbacksEditor);
});

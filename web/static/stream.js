// The stream editor: filters with inputs that fit each filter's payload kind,
// and the offer / landing sets with shares. The server validates everything
// again; this only shapes the JSON the form posts.
(function () {
  "use strict";
  var uid = 0;
  var days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

  function kindOf(meta, name) {
    for (var i = 0; i < meta.length; i++) if (meta[i].name === name) return meta[i].payload_kind;
    return "list";
  }
  function lines(s) {
    return (s || "").split(/[\n,]/).map(function (x) { return x.trim(); }).filter(Boolean);
  }

  // toUI turns a stored filter {name, mode, payload} into editable fields.
  function toUI(meta, f) {
    var k = kindOf(meta, f.name), p = f.payload;
    var ui = { uid: ++uid, name: f.name, mode: f.mode || "accept", list: [], text: "", scope: "campaign", obj: {} };
    if (k === "list") { ui.list = Array.isArray(p) ? p.map(String) : []; ui.text = ui.list.join("\n"); }
    if (k === "uniqueness") ui.scope = (p && p.scope) || (typeof p === "string" ? p : "campaign");
    if (k === "limit") ui.obj = Object.assign({ per_hour: 0, per_day: 0, total: 0 }, p || {});
    if (k === "schedule") ui.obj = Object.assign({ timezone: "UTC", days: [1, 2, 3, 4, 5], from: "09:00", to: "18:00" }, p || {});
    if (k === "interval") ui.obj = Object.assign({ timezone: "UTC", from: "", to: "" }, p || {});
    if (k === "parameter") { ui.obj = { name: (p && p.name) || "" }; ui.text = ((p && p.values) || []).join("\n"); }
    return ui;
  }

  // toPayload is the inverse: the JSON the catalog validates.
  function toPayload(meta, f) {
    var k = kindOf(meta, f.name);
    if (k === "none") return null;
    if (k === "list") return (f.name === "country" || f.name === "device_type") ? f.list.slice() : lines(f.text);
    if (k === "uniqueness") return f.scope;
    if (k === "parameter") return { name: f.obj.name, values: lines(f.text) };
    return f.obj;
  }

  window.streamEditor = function (init) {
    var meta = init.meta || [];
    return {
      meta: meta,
      devices: init.devices || [],
      offerList: init.offer_list || [],
      landingList: init.landing_list || [],
      errors: init.errors || {},
      filters: (init.filters || []).map(function (f) { return toUI(meta, f); }),
      offers: (init.offers || []).map(function (o) { return { offer_id: o.offer_id, share: o.share == null ? 100 : o.share }; }),
      landings: (init.landings || []).map(function (l) { return { landing_id: l.landing_id, share: l.share == null ? 100 : l.share }; }),
      init: function () {
        var dl = document.getElementById("countries");
        if (dl && !dl.children.length && window.KITE_COUNTRIES) {
          window.KITE_COUNTRIES.forEach(function (c) {
            var o = document.createElement("option"); o.value = c[0]; o.label = c[1]; dl.appendChild(o);
          });
        }
      },
      kind: function (f) { return kindOf(meta, f.name); },
      addFilter: function (name) { if (name) this.filters.push(toUI(meta, { name: name, mode: "accept", payload: null })); },
      addCountry: function (f, input) {
        var code = (input.value || "").trim().toUpperCase().slice(0, 2);
        if (/^[A-Z]{2}$/.test(code) && f.list.indexOf(code) < 0) f.list.push(code);
      },
      toggleDay: function (f, d) {
        var i = f.obj.days.indexOf(d);
        if (i < 0) f.obj.days.push(d); else f.obj.days.splice(i, 1);
        f.obj.days.sort();
      },
      dayName: function (d) { return days[d - 1]; },
      regexError: function (f) {
        var bad = "";
        lines(f.text).forEach(function (v) {
          if (v.length > 2 && v[0] === "/" && v.lastIndexOf("/") > 0) {
            var body = v.slice(1, v.lastIndexOf("/"));
            try { new RegExp(body); } catch (e) { bad = v + ": " + e.message; }
          }
        });
        return bad;
      },
      errorFor: function (set, i) {
        var out = [], prefix = set + "[" + i + "]";
        for (var k in this.errors) if (k.indexOf(prefix) === 0) out.push(this.errors[k]);
        return out.join("; ");
      },
      json: function (name) {
        if (name === "filters") return JSON.stringify(this.filters.map(function (f) {
          return { name: f.name, mode: f.mode, payload: toPayload(meta, f) };
        }));
        return JSON.stringify(this[name]);
      }
    };
  };
})();

// The stream editor: filters with inputs that fit each filter's payload kind,
// and the offer / landing sets with shares. The server validates everything
// again; this only shapes the JSON the form posts.
(function () {
  "use strict";
  var uid = 0;
  var painting = null; // {f, value} while the mouse paints the week grid

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
    if (k === "schedule") { ui.obj = { timezone: (p && p.timezone) || "UTC" }; ui.grid = gridFrom(p); ui.cur = null; }
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
    if (k === "schedule") return { timezone: f.obj.timezone || "UTC", days: windowsOf(f.grid) };
    return f.obj;
  }

  // The week grid: 7 rows (Monday first) x 24 hours. Routing's per-day
  // windows number days 0 = Sunday .. 6 = Saturday, so row r is day (r+1)%7.
  function minutes(s) {
    var m = /^(\d{1,2}):(\d{2})$/.exec(s || "");
    return m ? (+m[1]) * 60 + (+m[2]) : 0;
  }
  function hhmm(h) { return (h < 10 ? "0" : "") + h + ":00"; }
  function emptyGrid() {
    var g = [];
    for (var r = 0; r < 7; r++) { var row = []; for (var h = 0; h < 24; h++) row.push(false); g.push(row); }
    return g;
  }
  // gridFrom marks every hour that starts inside a window of either payload
  // form: ISO days [1..7] with one from/to, or [{day, from, to}]. A window
  // whose "to" is not after "from" runs past midnight into the next day.
  function gridFrom(p) {
    var g = emptyGrid();
    function paint(day, from, to) {
      var row = (day + 6) % 7, end = to > from ? to : to + 1440;
      for (var h = 0; h < 48; h++) {
        if (h * 60 >= from && h * 60 < end) g[h < 24 ? row : (row + 1) % 7][h % 24] = true;
      }
    }
    if (!p || !Array.isArray(p.days)) {
      for (var d = 1; d <= 5; d++) paint(d, 9 * 60, 18 * 60); // a new filter: weekdays, office hours
      return g;
    }
    p.days.forEach(function (d) {
      if (typeof d === "number") paint(d % 7, minutes(p.from), minutes(p.to));
      else if (d && typeof d.day === "number") paint(d.day, minutes(d.from), d.to === "24:00" ? 1440 : minutes(d.to));
    });
    return g;
  }
  // windowsOf turns each run of marked hours into one per-day window.
  function windowsOf(g) {
    var out = [];
    g.forEach(function (row, r) {
      for (var h = 0; h < 24;) {
        if (!row[h]) { h++; continue; }
        var start = h;
        while (h < 24 && row[h]) h++;
        out.push({ day: (r + 1) % 7, from: hhmm(start), to: h === 24 ? "24:00" : hhmm(h) });
      }
    });
    return out;
  }
  document.addEventListener("mouseup", function () { painting = null; });

  function streamEditor(init) {
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
        input.value = "";
      },
      dropCountry: function (f, code) { f.list = f.list.filter(function (x) { return x !== code; }); },
      hours: (function () { var h = []; for (var i = 0; i < 24; i++) h.push(i); return h; })(),
      dayNames: init.day_names || ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
      dayName: function (r) { return this.dayNames[r]; },
      cellClass: function (f, r, h) {
        var c = f.grid[r][h] ? "on" : "";
        return f.cur && f.cur.r === r && f.cur.h === h ? c + " cursor" : c;
      },
      cellTitle: function (r, h) { return this.dayNames[r] + " " + hhmm(h) + "–" + (h === 23 ? "24:00" : hhmm(h + 1)); },
      // Mouse: press paints the opposite of the first cell, dragging spreads it.
      paintStart: function (f, r, h) { painting = { f: f, value: !f.grid[r][h] }; f.grid[r][h] = painting.value; },
      paintOver: function (f, r, h) { if (painting && painting.f === f) f.grid[r][h] = painting.value; },
      // A day label or an hour label toggles its whole row or column.
      toggleDay: function (f, r) {
        var v = !f.grid[r].every(Boolean);
        for (var h = 0; h < 24; h++) f.grid[r][h] = v;
      },
      toggleHour: function (f, h) {
        var v = !f.grid.every(function (row) { return row[h]; });
        for (var r = 0; r < 7; r++) f.grid[r][h] = v;
      },
      // Keyboard: arrows move the cursor, Space or Enter toggles its hour.
      gridKey: function (f, e) {
        var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
        var cur = f.cur || { r: 0, h: 0 };
        if (moves[e.key]) {
          e.preventDefault();
          if (!f.cur) { f.cur = cur; return; }
          f.cur = { r: (cur.r + moves[e.key][0] + 7) % 7, h: (cur.h + moves[e.key][1] + 24) % 24 };
        } else if (e.key === " " || e.key === "Enter") {
          e.preventDefault();
          f.cur = cur;
          f.grid[cur.r][cur.h] = !f.grid[cur.r][cur.h];
        }
      },
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

  document.addEventListener("alpine:init", function () { window.Alpine.data("streamEditor", streamEditor); });
})();

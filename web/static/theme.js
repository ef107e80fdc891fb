// Applies the saved theme before the first paint (no flash of the wrong theme).
(function () {
  var t = localStorage.getItem("kite-theme");
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
})();

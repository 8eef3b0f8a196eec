(function () {
  "use strict";
  var table = document.getElementById("controls");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var form = document.getElementById("filters");
  var counter = document.getElementById("visible-count");
  form.classList.remove("hidden");
  function value(id) { return document.getElementById(id).value; }
  function apply() {
    var practice = value("f-practice"), status = value("f-status");
    var severity = value("f-severity"), collector = value("f-collector");
    var text = value("f-text").toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = (!practice || d.practice === practice) && (!status || d.status === status) &&
        (!severity || d.severity === severity) && (!collector || d.collector === collector) &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    counter.textContent = shown + " of " + rows.length + " controls shown";
  }
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  var order = { critical: 0, high: 1, medium: 2, low: 3, fail: 0, error: 1, unverified: 2, waived: 3, not_implemented: 4, pass: 5, not_applicable: 6, disabled: 7 };
  Array.prototype.forEach.call(table.querySelectorAll("th button"), function (button, index) {
    var ascending = true;
    button.addEventListener("click", function () {
      var key = button.dataset.key;
      rows.sort(function (a, b) {
        var x = a.dataset[key], y = b.dataset[key];
        var cmp = (key in { severity: 1, status: 1 }) ? order[x] - order[y] : x.localeCompare(y);
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      Array.prototype.forEach.call(table.querySelectorAll("th"), function (th) { th.removeAttribute("aria-sort"); });
      button.parentNode.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      ascending = !ascending;
    });
  });
  apply();
}());

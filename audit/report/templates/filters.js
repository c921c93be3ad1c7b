(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  function apply() {
    var want = {};
    form.querySelectorAll("select").forEach(function (s) { want[s.name] = s.value; });
    document.querySelectorAll("tr[data-status]").forEach(function (tr) {
      var show = Object.keys(want).every(function (k) { return !want[k] || tr.dataset[k] === want[k]; });
      tr.hidden = !show;
    });
  }
  form.addEventListener("change", apply);
})();

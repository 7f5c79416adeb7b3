// Polls the verification's status for the session that started it (no inline script: CSP).
(function () {
  "use strict";
  var box = document.getElementById("status");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function show(result) {
    box.textContent = result.status;
    box.setAttribute("data-status", result.status);
    if (result.reason) {
      document.getElementById("reason").textContent = result.reason.code + ": " + result.reason.description;
    }
    if (result.whitelisting) {
      var w = result.whitelisting;
      var text = "Address " + w.address + " on the token's registry: " + w.state;
      (w.transactions || []).forEach(function (t) {
        text += "\n" + t.kind + " " + t.hash + " (" + t.state + ")";
      });
      var el = document.getElementById("whitelisting");
      el.textContent = text;
      el.setAttribute("data-state", w.state);
    }
    if (result.claims) {
      document.getElementById("claims").textContent = JSON.stringify(result.claims, null, 2);
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        show(result);
        var w = result.whitelisting;
        var chainPending = result.status === "verified" && w && w.state !== "done" && w.state !== "failed";
        if (result.status === "pending" || chainPending) { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();

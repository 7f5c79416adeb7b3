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
    if (result.claims) {
      document.getElementById("claims").textContent = JSON.stringify(result.claims, null, 2);
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        show(result);
        if (result.status === "pending") { setTimeout(poll, 1500); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();

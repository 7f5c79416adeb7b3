// Polls a verification's status for the session that started it (no inline script: CSP).
// On the QR page: pending, then the cross-device outcome with the shortened address, or
// "done" / "refused" only when the same-device link answered (the result is on the
// landing page, with the response_code). On the landing page: the whitelisting.
(function () {
  "use strict";
  var box = document.getElementById("status");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var claimsBox = document.getElementById("claims");
  function show(result) {
    box.textContent = result.status;
    box.setAttribute("data-status", result.status);
    var reason = document.getElementById("reason");
    if (result.status === "done") {
      reason.textContent = "Answered from the wallet on the device that opened the same-device link: the result is shown there.";
    } else if (result.reason) {
      reason.textContent = result.reason.code + (result.reason.description ? ": " + result.reason.description : "");
    }
    if (result.whitelisting) {
      var w = result.whitelisting;
      var address = w.address || result.address || "";
      var text = "Address " + address + " on the token's registry: " + w.state;
      (w.transactions || []).forEach(function (t) {
        text += "\n" + t.kind + " " + t.hash + " (" + t.state + ")";
      });
      var el = document.getElementById("whitelisting");
      el.textContent = text;
      el.setAttribute("data-state", w.state);
    } else if (result.address && result.flow === "cross_device") {
      document.getElementById("whitelisting").textContent = "Address " + result.address;
    }
    if (result.claims && claimsBox) {
      claimsBox.textContent = JSON.stringify(result.claims, null, 2);
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

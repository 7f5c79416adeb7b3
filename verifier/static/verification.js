// Polls a verification's status for the session that started it (no inline script: CSP)
// and shows it in the page's live region (#outcome, role=status): the server's sentences
// ("Verified: your address 0x75C1…6506 can now hold SP7", the whitelisting's progress, a
// refusal's reason with its code in small print), never claims or transactions.
// On the QR page: once answered, the QR code is hidden. On the same-device landing page:
// the whitelisting's progress until it is added (or failed).
(function () {
  "use strict";
  var box = document.getElementById("outcome");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  function put(id, text) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }
  function show(result) {
    var m = result.messages || {};
    box.setAttribute("data-status", result.status);
    put("headline", m.headline);
    put("reason", m.reason);
    put("whitelisting", m.whitelisting);
    var w = document.getElementById("whitelisting");
    if (w && result.whitelisting) { w.setAttribute("data-state", result.whitelisting.state); }
    var code = document.getElementById("reason-code");
    if (code) {
      code.querySelector("span").textContent = m.reason_code || "";
      code.hidden = !m.reason_code;
    }
    var address = document.getElementById("address");
    if (address && result.address) {
      address.textContent = result.address;
      document.getElementById("address-line").hidden = false;
    }
    var link = document.getElementById("token-link-line");
    if (link && result.status === "verified") { link.hidden = false; }
    var request = document.getElementById("request");
    if (request && result.status !== "pending") { request.hidden = true; }
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

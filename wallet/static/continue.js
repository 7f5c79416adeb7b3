// After Share or Decline: continue to the verifier's redirect_uri (OpenID4VP 1.0 §8.2).
// A static script (the CSP has script-src 'self'); the link on the page does the same.
(function () {
  "use strict";
  var link = document.getElementById("continue");
  if (!link) { return; }
  setTimeout(function () { window.location.assign(link.href); }, 1000);
})();

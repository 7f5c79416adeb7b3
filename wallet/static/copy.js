// Copy buttons of the addresses page (issue 20 item 4): a static script, as the
// CSP has script-src 'self'. Without it the buttons stay hidden and the full
// address is shown, selectable, under "Show the full address".
(function () {
  "use strict";
  function say(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) { status.textContent = text; }
  }
  function selectFull(button) {
    var details = button.parentNode.querySelector("details.full-address");
    if (!details) { return false; }
    details.open = true;
    var code = details.querySelector("code");
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  function copy(button) {
    var text = button.getAttribute("data-copy");
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(
        function () { say(button, "Copied"); },
        function () { say(button, selectFull(button) ? "Copied" : "Selected: press Ctrl+C to copy"); }
      );
    } else {
      say(button, selectFull(button) ? "Copied" : "Selected: press Ctrl+C to copy");
    }
  }
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();

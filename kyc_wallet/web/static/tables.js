// Phones (style.css, max-width 600px): a table's rows become blocks of stacked
// cells; each cell then shows its column's name from the header row
// (data-label), unless its template gave one. A static script (the CSP has
// script-src 'self'); without it the rows still stack, without the names.
(function () {
  "use strict";
  var tables = document.querySelectorAll("table");
  for (var t = 0; t < tables.length; t++) {
    var table = tables[t];
    var head = table.tHead && table.tHead.rows[0];
    if (!head) { continue; }
    var names = [];
    for (var h = 0; h < head.cells.length; h++) {
      for (var span = 0; span < head.cells[h].colSpan; span++) {
        names.push(head.cells[h].textContent.trim());
      }
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var column = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (names[column] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan;
        }
      }
    }
  }
})();

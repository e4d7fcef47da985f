// 车辆位置 / 详细信息: a button with data-gis="URL" asks the desk (which asks the GIS) in
// the background and shows the answer, or why there is none, in the row below its
// vehicle; the page itself never waits for the GIS.
(function () {
  "use strict";
  function render(cell, answer) {
    cell.textContent = "";
    if (!answer.ok) {
      cell.textContent = answer.message;
      cell.classList.add("error");
      return;
    }
    cell.classList.remove("error");
    if (answer.demo) {
      var mark = document.createElement("strong");
      mark.textContent = cell.dataset.demo;
      cell.appendChild(mark);
    }
    var list = document.createElement("dl");
    list.className = "facts";
    answer.rows.forEach(function (row) {
      var term = document.createElement("dt");
      term.textContent = row[0];
      var value = document.createElement("dd");
      value.textContent = row[1];
      list.appendChild(term);
      list.appendChild(value);
    });
    cell.appendChild(list);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-gis]");
    if (!button) return;
    var row = button.closest("tr").nextElementSibling;
    var cell = row.querySelector("td");
    row.hidden = false;
    cell.textContent = cell.dataset.asking;
    fetch(button.dataset.gis, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (answer) { render(cell, answer); })
      .catch(function () { render(cell, {ok: false, message: "✕"}); });
  });
})();

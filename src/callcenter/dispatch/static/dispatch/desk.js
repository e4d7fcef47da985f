// The unit desk: select all, a per-row choice that ticks its row, simple filters that
// apply at once, and the print button. Delegated, so rows refreshed live keep working.
(function () {
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input.matches("[data-select-all]")) {
      const form = input.closest("form");
      form.querySelectorAll("input[name=selected]").forEach((box) => {
        box.checked = input.checked;
      });
      return;
    }
    if (input.matches("[data-ticks-row]")) {
      const row = input.closest("tr");
      const box = row && row.querySelector("input[name=selected]");
      if (box) box.checked = true;
      return;
    }
    const simple = input.closest("[data-autosubmit]");
    if (simple) simple.closest("form").requestSubmit();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();

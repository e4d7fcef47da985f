// The ticket query: the simple filters apply as soon as one changes (seed 001 §4.6.3).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-apply-at-once] input, [data-apply-at-once] select");
  if (field) {
    field.form.requestSubmit();
  }
});

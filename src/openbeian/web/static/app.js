// OpenBeian pages work without JavaScript; this only adds small conveniences.
document.addEventListener("click", (event) => {
  // Buttons that cannot be undone (withdraw, abandon) ask first.
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  // The registry query: the example in the input follows the chosen kind of query.
  const by = document.getElementById("by");
  const q = document.getElementById("q");
  if (by && q) {
    by.addEventListener("change", () => {
      const hint = by.selectedOptions[0] && by.selectedOptions[0].dataset.hint;
      if (hint) q.placeholder = hint;
    });
  }
  // A form sent back with errors: bring the error summary into view for keyboards and screen readers.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});

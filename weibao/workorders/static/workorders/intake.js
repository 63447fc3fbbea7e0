// Phone intake: Enter in the search box searches (htmx) instead of submitting the half-filled report.
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && e.target.matches("[data-no-enter-submit]")) e.preventDefault();
});

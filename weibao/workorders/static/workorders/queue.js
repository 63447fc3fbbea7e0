// Queue page: on a phone the filter bar starts folded (unless a filter is set) so the cards come first.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("details[data-filters]");
  if (box && window.matchMedia("(max-width: 760px)").matches && !box.hasAttribute("data-active")) box.open = false;
});

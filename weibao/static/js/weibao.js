// Small progressive enhancements; every page works without them. No inline scripts or handlers anywhere: the
// Content-Security-Policy allows scripts from our own static files only.
if (window.htmx) {
  // htmx would inject a <style> element for its indicators (refused by the CSP; the rules are in weibao.css) and
  // may evaluate attribute code (hx-on, js: values), which the CSP refuses as well.
  htmx.config.includeIndicatorStyles = false;
  htmx.config.allowEval = false;
}
document.addEventListener("change", (e) => {
  if (e.target.matches("[data-autosubmit]")) e.target.form.submit();
});
document.addEventListener("click", (e) => {
  if (e.target.closest("[data-print]")) {
    window.print();
    return;
  }
  const toggle = e.target.closest("[data-toggle-nav]");
  if (!toggle) return;
  const nav = document.getElementById("mainnav");
  const open = nav.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});

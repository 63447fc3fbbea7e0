// Signature pad on a plain <canvas> with pointer events (finger, pen or mouse), saved as a PNG data URL in the
// hidden input next to it. Markup (templates/onsite/partials/_signature.html):
//   <div data-signature data-min-points="12" data-min-span="30">
//     <canvas></canvas><input type="hidden" name="…"><button type="button" data-signature-clear>…</button>
//     <p data-signature-error hidden>…</p>
//   </div>
// A blank pad or a single dot is refused here before submit; the server checks the PNG again (forms.py).
(function () {
  "use strict";

  function setup(root) {
    const canvas = root.querySelector("canvas");
    const input = root.querySelector("input[type=hidden]");
    const error = root.querySelector("[data-signature-error]");
    const ctx = canvas.getContext("2d");
    const minPoints = parseInt(root.dataset.minPoints || "12", 10);
    const minSpan = parseInt(root.dataset.minSpan || "30", 10);
    let drawing = false;
    let points = 0;
    let box = null;
    let last = null;

    function resize() {
      // Match the canvas' bitmap to its CSS size (sharp lines on high-density phone screens).
      const ratio = window.devicePixelRatio || 1;
      const rect = canvas.getBoundingClientRect();
      const keep = input.value;
      canvas.width = Math.max(1, Math.round(rect.width * ratio));
      canvas.height = Math.max(1, Math.round(rect.height * ratio));
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      if (keep) restore(keep);
    }

    function pos(e) {
      const rect = canvas.getBoundingClientRect();
      return { x: e.clientX - rect.left, y: e.clientY - rect.top };
    }

    function grow(p) {
      points += 1;
      if (!box) box = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
      box.x0 = Math.min(box.x0, p.x);
      box.y0 = Math.min(box.y0, p.y);
      box.x1 = Math.max(box.x1, p.x);
      box.y1 = Math.max(box.y1, p.y);
    }

    function enough() {
      if (!box || points < minPoints) return false;
      return Math.max(box.x1 - box.x0, box.y1 - box.y0) >= minSpan;
    }

    function save() {
      input.value = enough() ? canvas.toDataURL("image/png") : "";
      root.dataset.signed = input.value ? "true" : "false";
      input.dispatchEvent(new Event("input", { bubbles: true })); // the offline draft keeps it too
      if (input.value && error) error.hidden = true;
    }

    function restore(dataUrl) {
      // A draft restored from localStorage: paint the saved PNG back and count it as signed.
      const img = new Image();
      img.onload = function () {
        const rect = canvas.getBoundingClientRect();
        ctx.drawImage(img, 0, 0, rect.width, rect.height);
      };
      img.src = dataUrl;
      input.value = dataUrl;
      points = minPoints;
      box = { x0: 0, y0: 0, x1: minSpan, y1: minSpan };
      root.dataset.signed = "true";
    }

    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      drawing = true;
      last = pos(e);
      grow(last);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      e.preventDefault();
      const p = pos(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      grow(p);
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);

    const clear = root.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        points = 0;
        box = null;
        save();
      });
    }

    // Refuse to submit a blank or one-dot signature (the server refuses it as well). A pad is required always
    // (data-required) or only for the submit button that signs (data-requires-signature on that button).
    const form = root.closest("form");
    if (form) {
      form.addEventListener("submit", function (e) {
        const needed = root.hasAttribute("data-required") ||
          Boolean(e.submitter && e.submitter.hasAttribute("data-requires-signature"));
        if (!needed || input.value) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        if (error) error.hidden = false;
        canvas.scrollIntoView({ block: "center" });
      }, true);
    }
    root.weibaoRestore = restore;
    resize();
    window.addEventListener("resize", function () {
      if (!drawing) resize();
    });
  }

  function init(scope) {
    scope.querySelectorAll("[data-signature]").forEach(function (root) {
      if (root.dataset.ready) return;
      root.dataset.ready = "1";
      setup(root);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    init(e.target);
  });
})();

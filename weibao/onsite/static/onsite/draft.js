// Offline drafts: a half-filled form on a weak connection is never lost. Every change of a form marked
// <form data-draft="some-key"> is kept in localStorage; a submit while offline (or one whose request fails) is
// queued and sent again as soon as the browser is back online, also after a reload. Messages come from the
// template (translated): data-msg-queued, data-msg-restored, data-msg-sending on the [data-draft-status] element.
(function () {
  "use strict";
  const PREFIX = "weibao-draft:";
  const SKIP = new Set(["csrfmiddlewaretoken"]);

  function storageKey(form) {
    return PREFIX + form.dataset.draft;
  }

  function read(form) {
    try {
      return JSON.parse(localStorage.getItem(storageKey(form)) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(form, draft) {
    try {
      localStorage.setItem(storageKey(form), JSON.stringify(draft));
    } catch (e) {
      // Storage full or disabled (private mode): the form still works, only without the safety net.
    }
  }

  function status(form, name) {
    const el = form.querySelector("[data-draft-status]");
    if (!el) return;
    const text = el.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
    el.textContent = text;
    el.hidden = !text;
    form.dataset.draftState = name;
  }

  function keepable(el) {
    if (!el.name || SKIP.has(el.name) || el.type === "file" || el.type === "submit") return false;
    // Hidden inputs are the server's (versions, tokens), except a signature's PNG.
    return el.type !== "hidden" || Boolean(el.closest("[data-signature]"));
  }

  function collect(form) {
    const values = {};
    Array.from(form.elements).forEach(function (el) {
      if (!keepable(el)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) (values[el.name] = values[el.name] || []).push(el.value);
        else values[el.name] = values[el.name] || [];
      } else {
        values[el.name] = [el.value];
      }
    });
    return values;
  }

  function restore(form, values) {
    Array.from(form.elements).forEach(function (el) {
      if (!keepable(el) || !(el.name in values)) return;
      const vals = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") el.checked = vals.includes(el.value);
      else if (el.type === "hidden") {
        const pad = el.closest("[data-signature]");
        if (vals[0] && pad && pad.weibaoRestore) pad.weibaoRestore(vals[0]);
        else el.value = vals[0] || "";
      } else el.value = vals[0] || "";
    });
  }

  function save(form, pending, submitter) {
    const old = read(form) || {};
    write(form, { values: collect(form), pending: pending === undefined ? Boolean(old.pending) : pending,
      submitter: submitter === undefined ? old.submitter || null : submitter, savedAt: new Date().toISOString() });
  }

  function clear(form) {
    localStorage.removeItem(storageKey(form));
  }

  let sending = false;

  async function send(form) {
    if (sending) return;
    sending = true;
    status(form, "sending");
    let response;
    try {
      const body = new FormData(form);
      const draft = read(form);
      // Which button was pressed ("save" or "sign") is part of the request; FormData(form) alone leaves it out.
      if (draft && draft.submitter) body.append(draft.submitter[0], draft.submitter[1]);
      response = await fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" } });
    } catch (e) {
      // Still no network (or the connection dropped mid-request): keep it queued for the next "online".
      sending = false;
      save(form, true);
      status(form, "queued");
      return;
    }
    sending = false;
    if (response.ok && (response.redirected || form.dataset.draftSuccess === "any")) {
      clear(form);
      window.location.assign(response.url);
      return;
    }
    // Refused (invalid, conflict) or not a redirect: post it the ordinary way so the page shows the errors.
    // The draft stays, no longer pending, so nothing typed is lost.
    save(form, false);
    const draftNow = read(form);
    if (draftNow && draftNow.submitter) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = draftNow.submitter[0];
      hidden.value = draftNow.submitter[1];
      form.appendChild(hidden);
    }
    HTMLFormElement.prototype.submit.call(form);
  }

  function setup(form) {
    const draft = read(form);
    if (draft && draft.values) {
      restore(form, draft.values);
      status(form, draft.pending ? "queued" : "restored");
    }
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      const submitter = e.submitter && e.submitter.name ? [e.submitter.name, e.submitter.value] : null;
      save(form, true, submitter);
      if (!navigator.onLine) {
        status(form, "queued");
        return;
      }
      send(form);
    });
    window.addEventListener("online", function () {
      const current = read(form);
      if (current && current.pending) send(form);
    });
    if (draft && draft.pending && navigator.onLine) send(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft]").forEach(setup);
  });
})();

/* Autosave for an audit step (templates/audits/step.html).
 *
 * - Every change is copied at once to this browser's localStorage, then sent to the
 *   server 1.5 s after the officer stops typing; the status line says what happened.
 * - The page keeps the audit version it loaded, so colleagues' saves are still reported
 *   as conflicts (the server ignores the officer's own earlier autosaves).
 * - When the session has ended, nothing is lost: the text stays in localStorage, the status
 *   line offers to log in again, and after logging in the step page puts the text back and
 *   saves it.
 * - Without JavaScript the page works as before with its Save buttons.
 */
(function () {
  "use strict";
  const form = document.querySelector("form[data-autosave-url]");
  const status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch) return;

  const key = form.dataset.autosaveKey;
  const DELAY_MS = 1500;
  let timer = null;
  let inFlight = false;
  let again = false;
  let edits = 0; // changes since the page loaded; a save clears the stored copy only if none came after it
  let ended = false; // the session has ended: keep offering the login link until the page changes

  function fields() {
    const data = {};
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken") continue;
      (data[name] = data[name] || []).push(value);
    }
    return data;
  }

  function show(text, kind, link) {
    status.hidden = false;
    status.className = "autosave-status small mb-0 autosave-" + kind;
    status.textContent = text;
    if (link) {
      status.append(" ");
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      status.append(a);
    }
  }

  function store() {
    try {
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), data: fields() }));
    } catch (e) {
      /* storage full or disabled: the server copy is all there is */
    }
  }

  function forget() {
    try {
      localStorage.removeItem(key);
    } catch (e) {
      /* nothing to do */
    }
  }

  async function save() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    const editsSent = edits;
    show("Saving…", "saving");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
      const json = (response.headers.get("Content-Type") || "").includes("application/json");
      if (response.type === "opaqueredirect" || response.status === 401 || (!json && response.status === 403)) {
        ended = true;
        showEnded();
      } else if (!json) {
        show("Not saved: the server did not answer (" + response.status + "). Your text is kept in this browser; it will be saved with your next change or the Save button.", "error");
      } else {
        const body = await response.json();
        if (body.saved) {
          if (edits === editsSent) forget();
          show(body.message, "saved");
        } else {
          show(body.message, "error");
        }
      }
    } catch (e) {
      show("Not saved: no connection. Your text is kept in this browser and will be saved when you are back online.", "error");
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        save();
      }
    }
  }

  function showEnded() {
    show("Not saved: your session has ended. Your text is kept in this browser.", "error", {
      href: form.dataset.loginUrl,
      text: "Log in again to save it",
    });
  }

  function changed() {
    edits += 1;
    store();
    if (ended) {
      showEnded(); // nothing can be saved until the officer logs in again
      return;
    }
    show("Unsaved changes…", "pending");
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  function setField(name, values) {
    const elements = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    let differs = false;
    elements.forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        const on = values.includes(el.value);
        if (el.checked !== on) {
          el.checked = on;
          differs = true;
        }
      } else if (el.value !== values[0]) {
        el.value = values[0];
        differs = true;
      }
    });
    return differs;
  }

  // Put back what was typed but not saved (say, before a session ended), then save it.
  function restore() {
    let stored = null;
    try {
      stored = JSON.parse(localStorage.getItem(key) || "null");
    } catch (e) {
      stored = null;
    }
    if (!stored || !stored.data) return;
    const current = fields();
    const visible = Object.keys(stored.data).filter(function (name) {
      return name !== "version" && !name.endsWith("-loaded");
    });
    const radios = new Set(Array.from(form.querySelectorAll("input[type=radio]"), function (el) { return el.name; }));
    const differs = visible.some(function (name) {
      return JSON.stringify(stored.data[name]) !== JSON.stringify(current[name] || []);
    }) || Array.from(radios).some(function (name) { return !(name in stored.data) && name in current; });
    if (!differs) {
      forget();
      return;
    }
    // Also the version and fingerprints the text was typed against, so that a colleague's
    // save since then is reported as a conflict rather than overwritten.
    Object.keys(stored.data).forEach(function (name) { setField(name, stored.data[name]); });
    radios.forEach(function (name) {
      if (!(name in stored.data)) form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) { el.checked = false; });
    });
    const when = new Date(stored.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    show("Restored your unsaved changes from " + when + "; saving…", "pending");
    save();
  }

  form.addEventListener("input", changed); // typing, and choosing a radio button or an option
  form.addEventListener("submit", function () {
    clearTimeout(timer); // the Save button sends everything; the copy stays until the next page load checks it
  });
  restore();
})();

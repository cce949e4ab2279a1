/* Autosave for an audit step (templates/audits/step.html).
 *
 * - Every change is copied at once to this browser's localStorage, then sent to the
 *   server 1.5 s after the officer stops typing; the status line says what happened.
 * - Only the answers changed since the last save are sent (one keystroke saves one answer);
 *   an answer the request does not carry stays as it is on the server.
 * - Each answer carries the digest of the answer as this page last knew it saved
 *   (<code>-loaded); after a save the server returns the new digests and version, and the
 *   page keeps them. So a save made elsewhere since (a colleague, or the same officer in
 *   another tab) is reported as a conflict, while this page's own follow-up saves are not.
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
  const dirty = new Map(); // question code -> the value of `edits` at its latest change, until saved
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
    const sent = new Map(dirty);
    show("Saving…", "saving");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: changedFields(sent),
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
          adopt(body, sent);
          if (edits === editsSent) forget();
          else store(); // keep the new digests with the text still to save
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

  function codeOf(name) {
    const dash = name.indexOf("-");
    return dash > 0 ? name.slice(0, dash) : null;
  }

  // The request: the version, and every field of the answers changed since they were last saved.
  function changedFields(codes) {
    const body = new FormData();
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken" || name === "version" || codes.has(codeOf(name))) body.append(name, value);
    }
    return body;
  }

  // After a save: the page now holds these answers as saved, at the audit's new version.
  function adopt(body, sent) {
    if (body.version) form.querySelector('[name="version"]').value = body.version;
    Object.entries(body.loaded || {}).forEach(function ([code, digest]) {
      const loaded = form.querySelector('[name="' + CSS.escape(code + "-loaded") + '"]');
      if (loaded) loaded.value = digest;
    });
    sent.forEach(function (at, code) {
      if (dirty.get(code) === at) dirty.delete(code); // not changed again while saving
    });
  }

  function showEnded() {
    show("Not saved: your session has ended. Your text is kept in this browser.", "error", {
      href: form.dataset.loginUrl,
      text: "Log in again to save it",
    });
  }

  function changed(event) {
    edits += 1;
    const code = event && event.target && event.target.name ? codeOf(event.target.name) : null;
    if (code) dirty.set(code, edits);
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
    // The answers whose visible fields differ from what the page shows now: the unsaved text.
    const codes = new Set();
    Object.keys(stored.data).forEach(function (name) {
      const code = codeOf(name);
      if (code && !name.endsWith("-loaded") && JSON.stringify(stored.data[name]) !== JSON.stringify(current[name] || [])) {
        codes.add(code);
      }
    });
    if (codes.size === 0) {
      forget();
      return;
    }
    // Those answers get back their text and the digest of the answer it was typed against, so
    // that a save made elsewhere since is reported as a conflict rather than overwritten.
    Object.keys(stored.data).forEach(function (name) {
      if (codes.has(codeOf(name))) setField(name, stored.data[name]);
    });
    codes.forEach(function (code) { dirty.set(code, edits); });
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

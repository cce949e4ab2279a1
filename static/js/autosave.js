/* Autosave for an audit step (templates/audits/step.html).
 *
 * - Every change is copied at once to this browser's localStorage, one copy per answer, then
 *   sent to the server 1.5 s after the officer stops typing; the status line says what
 *   happened.
 * - Only the answers changed since they were last saved are sent (one keystroke saves one
 *   answer); an answer the request does not carry stays as it is on the server.
 * - Each answer carries the digest of the answer as this page last knew it saved
 *   (<code>-loaded); after a save the server returns the new digests and version, and the
 *   page keeps them. So a save made elsewhere since (a colleague, or the same officer in
 *   another tab) is reported as a conflict, while this page's own follow-up saves are not.
 * - An answer the server refuses (a conflict, or text to correct) is set aside: the other
 *   answers go on being saved, and the status line keeps saying which answers wait and why,
 *   until the officer changes them again or presses Save.
 * - A page the server sent back without saving it (the Save button met a conflict or a
 *   mistake) names its unsaved answers in data-unsaved: they stay to be saved.
 * - When the session has ended, nothing is lost: the text stays in localStorage, the status
 *   line offers to log in again, and after logging in the step page puts the text back and
 *   saves it. Each tab removes only the copies of the answers it saved itself.
 * - Without JavaScript the page works as before with its Save buttons.
 */
(function () {
  "use strict";
  const form = document.querySelector("form[data-autosave-url]");
  const status = document.getElementById("autosave-status");
  if (!form || !status || !window.fetch) return;

  const key = form.dataset.autosaveKey; // one copy per answer: key + ":" + question code
  const DELAY_MS = 1500;
  let timer = null;
  let inFlight = false;
  let again = false;
  let edits = 0; // changes since the page loaded
  const dirty = new Map(); // question code -> the value of `edits` at its latest change, until saved
  const waiting = new Map(); // question code -> why the server refused it; not sent until changed again
  const mine = new Map(); // question code -> when this tab last wrote its copy (so it removes only its own)
  let ended = false; // the session has ended: keep offering the login link until the page changes

  function codeOf(name) {
    const dash = name.indexOf("-");
    return dash > 0 ? name.slice(0, dash) : null;
  }

  // The step's question codes, from their hidden <code>-loaded fields.
  const codes = Array.from(form.querySelectorAll('input[name$="-loaded"]'), function (el) {
    return codeOf(el.name);
  });

  // An answer's fields as the form would post them: name -> list of values.
  function fieldsOf(code) {
    const data = {};
    for (const [name, value] of new FormData(form)) {
      if (codeOf(name) === code) (data[name] = data[name] || []).push(value);
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

  function store(code) {
    try {
      const at = Date.now();
      localStorage.setItem(key + ":" + code, JSON.stringify({ at: at, data: fieldsOf(code) }));
      mine.set(code, at);
    } catch (e) {
      /* storage full or disabled: the server copy is all there is */
    }
  }

  function stored(code) {
    try {
      const copy = JSON.parse(localStorage.getItem(key + ":" + code) || "null");
      return copy && copy.data ? copy : null;
    } catch (e) {
      return null;
    }
  }

  function forget(code) {
    try {
      const copy = stored(code);
      if (copy && mine.has(code) && copy.at !== mine.get(code)) return; // another tab's, newer: keep it
      localStorage.removeItem(key + ":" + code);
      mine.delete(code);
    } catch (e) {
      /* nothing to do */
    }
  }

  // The request: the version, and every field of the given answers.
  function body(sending) {
    const data = new FormData();
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken" || name === "version" || sending.has(codeOf(name))) data.append(name, value);
    }
    return data;
  }

  // After a save: the page now holds these answers as saved, at the audit's new version.
  function adopt(reply, sent) {
    if (reply.version) form.querySelector('[name="version"]').value = reply.version;
    Object.entries(reply.loaded || {}).forEach(function ([code, digest]) {
      const loaded = form.querySelector('[name="' + CSS.escape(code + "-loaded") + '"]');
      if (loaded) loaded.value = digest;
    });
    sent.forEach(function (at, code) {
      if (dirty.get(code) === at) {
        dirty.delete(code); // not changed again while saving
        forget(code);
      } else {
        store(code); // keep the new digest with the text still to save
      }
    });
  }

  function setAside(codesRefused, message, sent) {
    codesRefused.forEach(function (code) {
      if (sent.has(code) && dirty.get(code) === sent.get(code)) waiting.set(code, message);
    });
  }

  function waitingNote() {
    const why = Array.from(new Set(waiting.values()));
    return why.join(" ");
  }

  async function save() {
    if (inFlight) {
      again = true;
      return;
    }
    const sent = new Map(Array.from(dirty).filter(function ([code]) { return !waiting.has(code); }));
    if (sent.size === 0) {
      if (waiting.size) show(waitingNote(), "error");
      return;
    }
    inFlight = true;
    show("Saving…", "saving");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: body(sent),
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
        const reply = await response.json();
        ended = false;
        if (reply.saved) {
          adopt(reply, sent);
          if (Array.from(dirty.keys()).some(function (code) { return !waiting.has(code); })) show("Unsaved changes…", "pending");
          else if (waiting.size) show(reply.message + " Not yet saved: " + waitingNote(), "error");
          else show(reply.message, "saved");
        } else {
          const refused = reply.conflict || reply.invalid || [];
          setAside(refused, reply.message, sent);
          show(reply.message, "error");
          // The other answers need not wait for these: save them now.
          const setAsideNow = refused.some(function (code) { return sent.has(code) && waiting.has(code); });
          if (setAsideNow && Array.from(sent.keys()).some(function (code) { return !waiting.has(code); })) again = true;
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

  function changed(event) {
    edits += 1;
    const code = event && event.target && event.target.name ? codeOf(event.target.name) : null;
    if (!code) return;
    dirty.set(code, edits);
    waiting.delete(code); // changed again: try it again
    store(code);
    // After the session ended, each change tries again (the officer may have logged in from
    // another tab); the status line keeps the login link until a save goes through.
    show(ended ? "Not saved yet: your session had ended. Trying again…" : "Unsaved changes…", "pending");
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  function setField(name, values) {
    form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = values.includes(el.value);
      else el.value = values[0];
    });
  }

  function differs(copy, current) {
    return Object.keys(copy).some(function (name) {
      return !name.endsWith("-loaded") && JSON.stringify(copy[name]) !== JSON.stringify(current[name] || []);
    });
  }

  // A copy kept by the release before this one, under one key for the whole step: split by
  // answer. Its digests are of an older form, so the server shows each such answer as a
  // conflict to compare, never overwriting what was saved since.
  function legacyCopy() {
    const copies = {};
    try {
      const old = JSON.parse(localStorage.getItem(key) || "null");
      if (!old || !old.data) return copies;
      Object.keys(old.data).forEach(function (name) {
        const code = codeOf(name);
        if (!code) return;
        copies[code] = copies[code] || { at: old.at, data: {} };
        copies[code].data[name] = old.data[name];
      });
    } catch (e) {
      /* nothing kept, or unreadable */
    }
    return copies;
  }

  // Put back what was typed but not saved (say, before a session ended), then save it; and
  // keep to save the answers that the server sent back unsaved.
  function restore() {
    const unsaved = new Set((form.dataset.unsaved || "").split(" ").filter(Boolean));
    (form.dataset.conflicts || "").split(" ").filter(Boolean).forEach(function (code) {
      waiting.set(code, code + " was changed elsewhere: compare the two versions shown, then change it or press Save.");
    });
    const legacy = legacyCopy();
    const savedUpto = parseInt(form.dataset.savedUpto || "0", 10);
    let restoredAt = null;
    codes.forEach(function (code) {
      let copy = stored(code) || legacy[code];
      if (copy && copy.at <= savedUpto && !unsaved.has(code)) {
        forget(code); // sent with a Save that went through
        copy = null;
      }
      if (copy && differs(copy.data, fieldsOf(code))) {
        // The text, and the digest of the answer it was typed against, so that a save made
        // elsewhere since is reported as a conflict rather than overwritten.
        Object.keys(copy.data).forEach(function (name) { setField(name, copy.data[name]); });
        dirty.set(code, edits);
        if (legacy[code]) store(code); // kept under this release's key before the old one goes
        restoredAt = Math.max(restoredAt || 0, copy.at);
      } else if (unsaved.has(code)) {
        dirty.set(code, edits);
        // A conflict's answer keeps the copy made while typing (with the digest it was typed
        // against): the page's digest is the colleague's, to be used only once the officer acts.
        if (!waiting.has(code)) store(code);
      } else if (copy) {
        forget(code); // what was kept is what the page shows: saved
      }
    });
    try {
      localStorage.removeItem(key); // the old copy, now kept answer by answer
    } catch (e) {
      /* nothing to do */
    }
    if (restoredAt) {
      const when = new Date(restoredAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      show("Restored your unsaved changes from " + when + "; saving…", "pending");
    }
    if (Array.from(dirty.keys()).some(function (code) { return !waiting.has(code); })) save();
    else if (waiting.size) show(waitingNote(), "error");
  }

  form.addEventListener("input", changed); // typing, and choosing a radio button or an option
  window.addEventListener("online", function () {
    if (dirty.size) save(); // the connection is back: send what waited
  });
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    // The Save button sends everything. The copies stay until a page says this post was saved
    // (data-saved-upto: copies written up to now are then forgotten), so none is lost if it fails.
    let upto = form.querySelector('input[name="copies_upto"]');
    if (!upto) {
      upto = document.createElement("input");
      upto.type = "hidden";
      upto.name = "copies_upto";
      form.append(upto);
    }
    upto.value = String(Date.now());
  });
  restore();
})();

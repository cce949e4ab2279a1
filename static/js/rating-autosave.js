/* Autosave for the rating pages of other perspectives (templates/perspectives/partials/rating_form.html):
 * a councillor's own ratings, and an invited organisation's page behind its link.
 *
 * - Choosing a level saves that question at once; a comment saves 1.2 s after typing stops,
 *   and when the field is left. Only the changed question is sent.
 * - Each question's status line says "Saved" or why not; the count of answered questions
 *   follows. A question that failed to save stays marked and is sent again with the next
 *   change or by the "Save my answers" button, which saves the whole page without JavaScript too.
 * - One request per question at a time: a change made while one is on its way is sent when it
 *   returns, so the last change is the one kept (arrowing through the levels sends no flood).
 * - Too many requests (429): the question stays unsaved and goes again after the wait.
 * - Leaving the page with unsaved changes asks first.
 * - When the link has closed meanwhile (the audit approved, the link revoked or expired), the
 *   page says so and stops saving; what was typed stays on screen to copy.
 */
(function () {
  "use strict";
  const form = document.querySelector("form[data-rating-form]");
  if (!form || !window.fetch) return;
  const overall = document.getElementById("rating-status");
  const count = document.getElementById("answered-count");
  const DELAY_MS = 1200;
  const dirty = new Set();
  const timers = new Map();
  const inFlight = new Set(); // questions with a request on its way
  const again = new Set(); // questions changed while their request was on its way
  let closed = false;

  function fieldset(prefix) {
    return form.querySelector('fieldset[data-prefix="' + CSS.escape(prefix) + '"]');
  }

  function status(prefix, text, kind) {
    const line = fieldset(prefix).querySelector("[data-status]");
    line.textContent = text;
    line.className = "small mb-0 mt-1 rating-status rating-" + kind;
  }

  function updateCount() {
    if (!count) return;
    let n = 0;
    form.querySelectorAll("fieldset[data-prefix]").forEach(function (fs) {
      if (fs.querySelector('input[type="radio"]:checked')) n += 1;
    });
    count.textContent = String(n);
  }

  function settle(prefix) {
    inFlight.delete(prefix);
    if (again.has(prefix)) {
      again.delete(prefix);
      save(prefix);
    }
  }

  function save(prefix) {
    if (closed) return;
    clearTimeout(timers.get(prefix));
    if (inFlight.has(prefix)) {
      again.add(prefix);
      return;
    }
    inFlight.add(prefix);
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector('input[name="csrfmiddlewaretoken"]').value);
    for (const [name, value] of new FormData(form)) {
      if (name.startsWith(prefix + "-") || name.startsWith("initial-" + prefix + "-")) body.append(name, value);
    }
    if (!body.has(prefix + "-comment")) body.append(prefix + "-comment", "");
    // What this request saves becomes what the page holds as saved (its initial-… fields).
    const sent = { choice: body.get(prefix + "-choice") || "", comment: body.get(prefix + "-comment") || "" };
    status(prefix, "Saving…", "saving");
    dirty.delete(prefix);
    fetch(window.location.pathname, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, status: response.status, wait: response.headers.get("Retry-After"), data: data };
        });
      })
      .then(function (result) {
        if (result.ok && result.data.saved) {
          form.querySelector('input[name="initial-' + prefix + '-choice"]').value = sent.choice;
          form.querySelector('input[name="initial-' + prefix + '-comment"]').value = sent.comment;
          if (!again.has(prefix)) status(prefix, result.data.message, "saved");
          updateCount();
        } else {
          dirty.add(prefix);
          status(prefix, result.data.message || "Not saved.", "error");
          if (result.data.closed) {
            closed = true;
            if (overall) overall.textContent = result.data.message + " Your last changes stay on this page to copy.";
          } else if (result.status === 429) {
            const seconds = parseInt(result.wait, 10) || 30;
            setTimeout(function () {
              if (dirty.has(prefix)) save(prefix);
            }, seconds * 1000);
          }
        }
        settle(prefix);
      })
      .catch(function () {
        dirty.add(prefix);
        status(prefix, "Not saved: no connection. It will be sent with your next change, or press “Save my answers”.", "error");
        settle(prefix);
      });
  }

  form.addEventListener("change", function (event) {
    const fs = event.target.closest("fieldset[data-prefix]");
    if (!fs) return;
    dirty.add(fs.dataset.prefix);
    if (event.target.type === "radio") save(fs.dataset.prefix);
    // Anything that failed before goes again with this change.
    dirty.forEach(function (prefix) {
      if (prefix !== fs.dataset.prefix) save(prefix);
    });
  });

  form.addEventListener("input", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    const prefix = event.target.closest("fieldset[data-prefix]").dataset.prefix;
    dirty.add(prefix);
    status(prefix, "Not saved yet…", "pending");
    clearTimeout(timers.get(prefix));
    timers.set(
      prefix,
      setTimeout(function () {
        save(prefix);
      }, DELAY_MS)
    );
  });

  form.addEventListener("focusout", function (event) {
    if (event.target.tagName !== "TEXTAREA") return;
    const prefix = event.target.closest("fieldset[data-prefix]").dataset.prefix;
    if (dirty.has(prefix)) save(prefix);
  });

  form.addEventListener("submit", function () {
    dirty.clear(); // the whole page goes to the server
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty.size && !closed) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

/* Length counters for text with a limit (forms.LimitedTextField gives it data-max-chars).
 *
 * The browser never cuts text at the limit (no maxlength): as the text nears the limit a
 * counter appears under the field, and past it the counter says by how much, so that the
 * officer can shorten it. The server refuses over-long text with a message beside the field
 * and keeps all of it.
 */
(function () {
  "use strict";
  const SHOW_FROM = 0.8; // of the limit

  function attach(field) {
    const limit = parseInt(field.dataset.maxChars, 10);
    if (!limit) return;
    const counter = document.createElement("div");
    counter.className = "form-text char-counter";
    counter.id = (field.id || field.name) + "-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    field.setAttribute("aria-describedby", described.concat(counter.id).join(" "));

    function update() {
      const length = field.value.length;
      const over = length - limit;
      counter.hidden = length < limit * SHOW_FROM;
      counter.classList.toggle("char-counter-over", over > 0);
      if (over > 0) {
        counter.textContent = length.toLocaleString() + " characters: " + over.toLocaleString() +
          " over the limit of " + limit.toLocaleString() + ". Shorten the text to save it; nothing is cut.";
      } else {
        counter.textContent = length.toLocaleString() + " of " + limit.toLocaleString() + " characters";
      }
    }
    field.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea[data-max-chars], input[data-max-chars]").forEach(attach);
})();

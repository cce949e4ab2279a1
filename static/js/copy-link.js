/* "Copy" buttons: copy the named field's text to the clipboard and say so. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      const field = document.getElementById(button.dataset.copy);
      const status = document.getElementById("copy-status");
      field.select();
      const done = function () {
        if (status) status.textContent = "Copied. Paste it into your message.";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (status) status.textContent = "Select the link and copy it (Ctrl+C).";
        });
      } else {
        try {
          document.execCommand("copy");
          done();
        } catch (e) {
          if (status) status.textContent = "Select the link and copy it (Ctrl+C).";
        }
      }
    });
  });
})();

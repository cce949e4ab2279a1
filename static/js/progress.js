/* Follows a background task's progress (templates/audits/report_bundle.html): asks the
 * server every second how far it has got, moves the bar, says when it seems stuck, and reloads
 * the page when the task has finished so that the download link (or the error) appears. A task
 * whose worker stopped is finished too: the server gives it up when its heartbeat goes quiet. */
(function () {
  "use strict";
  const box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) return;
  const state = document.getElementById("bundle-state");
  const bar = box.querySelector(".progress");
  const fill = box.querySelector(".progress-bar");
  const problem = document.getElementById("bundle-problem");
  const problemText = document.getElementById("bundle-problem-text");

  async function poll() {
    try {
      const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const p = await response.json();
        if (p.finished) {
          window.location.reload();
          return;
        }
        bar.setAttribute("aria-valuenow", p.percent);
        fill.style.width = p.percent + "%";
        fill.textContent = p.percent + "%";
        state.textContent = p.state === "running" ? "Rendering: " + p.done + " of " + p.total + " reports." : "Waiting for a worker to start…";
        if (problem) {
          // Change the words only when they change, so that screen readers announce them once.
          if (problemText.textContent !== p.problem) problemText.textContent = p.problem;
          problem.hidden = !p.problem;
        }
      }
    } catch (e) {
      /* a network hiccup: try again next time */
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();

// Export status page: poll the JSON status while an export is prepared, update the progress
// text, and reload once it has finished so the server-rendered page shows the outcome.
// Without JavaScript the page offers a "Refresh this page" link instead.
const box = document.querySelector("[data-export-polling]");

if (box) {
  const url = box.dataset.exportStatusUrl;
  const label = box.querySelector("[data-export-status-label]");
  const progressText = box.querySelector("[data-export-progress]");
  const bar = box.querySelector("progress");
  let delay = 1500;

  const poll = async () => {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const data = await response.json();
      if (data.finished) {
        window.location.reload();
        return;
      }
      if (label) label.textContent = data.status_label;
      if (progressText) {
        const total = data.rows_total ?? "?";
        progressText.textContent = `${data.rows_written} of ${total} rows written (${data.percent}%)`;
      }
      if (bar) {
        bar.value = data.percent;
        bar.textContent = `${data.percent}%`;
      }
      delay = 1500;
    } catch (error) {
      // Keep the refresh link working; back off while the server is unreachable.
      delay = Math.min(delay * 2, 30000);
    }
    window.setTimeout(poll, delay);
  };

  window.setTimeout(poll, delay);
}

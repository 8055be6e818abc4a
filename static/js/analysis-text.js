// Campaign groups and suggested themes: while a run is computed in the background, poll its
// JSON status, update the percentage, and reload once it has finished so that the
// server-rendered page shows the result. Without JavaScript the banner's "Refresh this page"
// link does the same.
const box = document.querySelector("[data-text-analysis-polling]");

if (box) {
  const url = box.dataset.textAnalysisStatusUrl;
  const label = box.querySelector("[data-text-analysis-label]");
  const bar = box.querySelector("progress");
  const working = label ? label.textContent.split(":")[0] : "";
  let delay = 2000;

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
      const stage = data.stage ? data.stage.toLowerCase() : "waiting to start";
      if (label) label.textContent = `${working}: ${data.percent}% done (${stage})`;
      if (bar) {
        bar.value = data.percent;
        bar.textContent = `${data.percent}%`;
      }
      delay = 2000;
    } catch (error) {
      // The refresh link still works; back off while the server is unreachable.
      delay = Math.min(delay * 2, 30000);
    }
    window.setTimeout(poll, delay);
  };

  window.setTimeout(poll, delay);
}

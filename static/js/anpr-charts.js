// ANPR charts: progressive enhancement of the server-rendered SVG charts.
// Uses the vendored vega, vega-lite and vega-embed (loaded as deferred classic scripts before
// this module). The CSP forbids eval and inline styles, so Vega runs its expression
// interpreter (ast: true) and vega-embed adds no stylesheet (defaultStyle: false).

const EMBED_OPTIONS = {
  ast: true,
  defaultStyle: false,
  actions: false,
  renderer: "svg",
  tooltip: { disableDefaultStyle: true },
};

function updateQueryLinks(query, permalinkUrl) {
  document.querySelectorAll("[data-anpr-downloads] a").forEach((link) => {
    const url = new URL(link.href, window.location.href);
    url.search = query;
    link.href = url.toString();
  });
  // The permalink and the embed name the release the figures come from (as the server's do).
  const permalink = document.querySelector("[data-anpr-permalink]");
  if (permalink && permalinkUrl) permalink.value = permalinkUrl;
  const embed = document.querySelector("[data-anpr-embed]");
  if (embed && permalinkUrl) {
    const pinned = new URL(permalinkUrl).search.replaceAll("&", "&amp;");
    embed.value = embed.value.replace(/\?[^"]*"/g, `${pinned}"`);
  }
}

function rebuildTable(records, isDay, title) {
  const wrapper = document.querySelector("[data-anpr-table]");
  if (!wrapper) return;
  const caption = wrapper.querySelector("caption");
  if (caption) caption.textContent = title;
  const body = wrapper.querySelector("tbody");
  body.replaceChildren();
  records.forEach((record) => {
    const row = document.createElement("tr");
    row.className = "govuk-table__row";
    [isDay ? record.x : record.period, record.series_label, record.display].forEach((text, index) => {
      const cell = document.createElement("td");
      cell.className = index === 2 ? "govuk-table__cell govuk-table__cell--numeric" : "govuk-table__cell";
      cell.textContent = text;
      row.appendChild(cell);
    });
    body.appendChild(row);
  });
}

async function draw(container, query) {
  const response = await fetch(`${container.dataset.specUrl}?${query}`, {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`Chart data: ${response.status}`);
  const body = await response.json();
  if (!body.spec.data.values.length) return body;
  // Drawn in the page (a detached element has no width for a "container" wide chart), then
  // the server-rendered picture it replaces is removed.
  const target = document.createElement("div");
  container.appendChild(target);
  try {
    await window.vegaEmbed(target, body.spec, EMBED_OPTIONS);
  } catch (error) {
    target.remove();
    throw error;
  }
  container.replaceChildren(target);
  return body;
}

function init() {
  const container = document.querySelector("[data-anpr-chart]");
  if (!container || typeof window.vegaEmbed !== "function") return;
  draw(container, container.dataset.query).catch(() => {
    // Keep the server-rendered SVG: it shows the same data.
  });
  const form = document.querySelector("[data-anpr-controls]");
  if (!form) return;
  form.addEventListener("change", async () => {
    const query = new URLSearchParams(new FormData(form));
    if (!query.get("period")) query.delete("period");
    try {
      const body = await draw(container, query.toString());
      const caption = document.getElementById("chart-caption");
      const previousTitle = caption ? caption.textContent : "";
      if (caption) caption.textContent = body.title;
      rebuildTable(body.records, query.get("breakdown") === "day", body.title);
      updateQueryLinks(body.query, body.permalink);
      window.history.replaceState(null, "", `${form.action}?${body.query}`);
      // The address now names this chart, so the page title must too, as the server would.
      if (document.title.startsWith(previousTitle)) {
        document.title = body.title + document.title.slice(previousTitle.length);
      }
    } catch (error) {
      form.submit();
    }
  });
}

init();

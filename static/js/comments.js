// Comments: load the next page of conversations in place instead of following the page link.
// Without JavaScript the "More comments" link is an ordinary link to the next page.
const container = document.querySelector("[data-comments]");

async function loadMore(link) {
  const url = new URL(link.dataset.fragmentUrl, window.location.href);
  link.setAttribute("aria-busy", "true");
  const response = await fetch(url, {
    headers: { Accept: "text/html" },
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  const list = container.querySelector("[data-comments-list]");
  const newItems = doc.querySelectorAll("[data-comments-list] > li.tl-comment");
  const first = newItems[0];
  newItems.forEach((item) => list.append(document.adoptNode(item)));
  const oldNav = container.querySelector("[data-comments-pagination]");
  const newNav = doc.querySelector("[data-comments-pagination]");
  if (oldNav) {
    if (newNav && newNav.querySelector("[data-comments-more]")) {
      oldNav.replaceWith(document.adoptNode(newNav));
    } else {
      oldNav.remove();
    }
  }
  if (first) {
    // Move focus to the first new comment so keyboard and screen reader users keep their place.
    first.setAttribute("tabindex", "-1");
    first.focus();
  }
}

if (container) {
  container.addEventListener("click", (event) => {
    const link = event.target.closest("[data-comments-more]");
    if (!link || !link.dataset.fragmentUrl) return;
    event.preventDefault();
    loadMore(link).catch(() => {
      // Fall back to the ordinary page link if loading in place fails.
      window.location.href = link.href;
    });
  });
}

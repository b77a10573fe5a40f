// fangpin web: the one script of the site. "Show" on an ID number posts the form in the background and puts
// the full number in place of the masked one; without scripts the same form opens a small page instead.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("js-reveal")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Fragment": "1" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    const fragment = new DOMParser().parseFromString(await response.text(), "text/html");
    const target = document.getElementById(form.dataset.target);
    target.textContent = fragment.body.textContent.trim();
    target.classList.add("is-revealed");
    form.remove();
  } catch (error) {
    form.submit(); // let the server answer with a page (the number, or why not)
  }
});

// A batch being imported: its status panel asks the server every 2 s how far the import has got, and the page
// reloads once it has ended, to show the counts and the invalid rows. Without scripts, a "refresh" link.
(function followImport() {
  const panel = document.querySelector("[data-poll]");
  if (!panel) return;
  window.setTimeout(async () => {
    try {
      const response = await fetch(panel.dataset.poll, {
        headers: { "X-Fragment": "1" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const fresh = new DOMParser().parseFromString(html, "text/html").body.firstElementChild;
      if (!fresh || !fresh.hasAttribute("data-poll")) {
        window.location.reload();
        return;
      }
      panel.replaceWith(fresh);
    } catch (error) {
      // a network hiccup: try again on the next round
    }
    followImport();
  }, 2000);
})();

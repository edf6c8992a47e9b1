// The compare tray: roles picked with "加入对比" are kept in this browser (localStorage) and
// shown in a bar on every page until cleared. The compare page is the source of truth: opening
// /compare/?roles=… puts exactly those roles in the tray. Without this script, "加入对比" is a
// plain link to the compare page, where more roles can be added. Its words come translated from
// the tray's data-label-* attributes. A fifth role is refused in place (the tray stays as it was,
// with a message in a live region); on the compare page itself the tray is not shown.
(function () {
  "use strict";
  var KEY = "airoles-compare";
  var MAX = 4;
  var tray = document.getElementById("compare-tray");
  if (!tray || !window.localStorage) return;
  var onComparePage = !!document.querySelector("[data-compared-roles]");
  var message = "";

  function read() {
    try {
      var items = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && i.slug; }).slice(0, MAX) : [];
    } catch (e) { return []; }
  }
  function write(items) {
    message = "";
    try { localStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX))); } catch (e) { /* full or blocked */ }
    render();
  }
  function compareURL(items) {
    return tray.dataset.compareUrl + "?roles=" + items.map(function (i) { return i.slug; }).join(",");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function render() {
    var items = read();
    var picked = {};
    items.forEach(function (i) { picked[i.slug] = true; });
    document.querySelectorAll("[data-compare-slug]").forEach(function (toggle) {
      var on = !!picked[toggle.dataset.compareSlug];
      // With this script the link is a toggle button; without it, a plain link.
      toggle.setAttribute("role", "button");
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.classList.toggle("is-added", on);
    });
    tray.textContent = "";
    tray.hidden = items.length === 0 || onComparePage;
    document.body.classList.toggle("has-compare-tray", !tray.hidden);
    if (tray.hidden) return;
    tray.appendChild(el("p", { "class": "compare-tray__title" }, tray.dataset.labelTitle.replace("{count}", items.length).replace("{max}", MAX)));
    var list = el("ul", { "class": "compare-tray__items" });
    items.forEach(function (item) {
      var li = el("li", { "class": "compare-tray__item" }, item.title || item.slug);
      var remove = el("button", { "type": "button", "class": "compare-tray__remove", "data-remove": item.slug, "aria-label": tray.dataset.labelRemove + " " + (item.title || item.slug) }, "×");
      li.appendChild(remove);
      list.appendChild(li);
    });
    tray.appendChild(list);
    var actions = el("div", { "class": "compare-tray__actions" });
    if (items.length >= 2) {
      actions.appendChild(el("a", { "class": "button button--small", "href": compareURL(items) }, tray.dataset.labelCompare));
    } else {
      actions.appendChild(el("span", { "class": "compare-tray__hint" }, tray.dataset.labelHint));
    }
    actions.appendChild(el("button", { "type": "button", "class": "button button--small button--ghost", "data-clear": "" }, tray.dataset.labelClear));
    tray.appendChild(actions);
    // Announced when its text changes (role=status is a polite live region).
    tray.appendChild(el("p", { "class": "compare-tray__message", "role": "status" }, message));
  }

  function refuse() {
    render();
    message = tray.dataset.labelFull.replace("{max}", MAX);
    var status = tray.querySelector(".compare-tray__message");
    // Set after the region is in the page, so screen readers hear the change.
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-compare-slug]");
    if (toggle) {
      event.preventDefault();
      var items = read();
      var slug = toggle.dataset.compareSlug;
      var without = items.filter(function (i) { return i.slug !== slug; });
      if (without.length !== items.length) write(without);
      else if (items.length < MAX) write(items.concat([{ slug: slug, title: toggle.dataset.compareTitle }]));
      else refuse();
      return;
    }
    var remove = event.target.closest("[data-remove]");
    if (remove) {
      write(read().filter(function (i) { return i.slug !== remove.dataset.remove; }));
      return;
    }
    if (event.target.closest("[data-clear]")) write([]);
  });

  // Space presses a button; links only know Enter.
  document.addEventListener("keydown", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-compare-slug]");
    if (toggle && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      toggle.click();
    }
  });

  // On the compare page, the roles in the URL are the tray.
  var shown = document.querySelector("[data-compared-roles]");
  if (shown) {
    var items = [];
    shown.querySelectorAll("[data-compared-slug]").forEach(function (node) {
      items.push({ slug: node.dataset.comparedSlug, title: node.dataset.comparedTitle });
    });
    try { localStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX))); } catch (e) { /* ignore */ }
  }
  // The listing swaps its content in place; mark the new toggles too.
  new MutationObserver(function () { render(); }).observe(document.getElementById("main"), { childList: true, subtree: true });
  render();
  window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });
})();

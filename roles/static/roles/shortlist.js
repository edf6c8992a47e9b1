// The shortlist (收藏): roles saved with "收藏" on cards and role pages are kept in this browser
// (localStorage), never on the server. /shortlist/?roles=a,b,c is the whole list, so a link opens
// the same list anywhere. Without this script each 收藏 is a plain link to /shortlist/ with that
// role; with it, the link toggles in place, and its href stays "the list with this role" (or
// without it) so opening it in a new tab still works. Words come from #shortlist-status.
(function () {
  "use strict";
  var KEY = "airoles-shortlist";
  var status = document.getElementById("shortlist-status");
  if (!status || !window.localStorage) return;
  var MAX = parseInt(status.dataset.max, 10) || 20;
  var BASE = status.dataset.shortlistUrl;
  var page = document.querySelector("[data-shortlist-page]");
  var hideTimer = null;

  function read() {
    try {
      var items = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && typeof i.slug === "string"; }).slice(0, MAX) : [];
    } catch (e) { return []; }
  }
  function write(items) {
    try { localStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX))); } catch (e) { /* full or blocked */ }
    render();
  }
  function slugsOf(items) { return items.map(function (i) { return i.slug; }); }
  function listURL(slugs) { return BASE + (slugs.length ? "?roles=" + slugs.join(",") : ""); }
  function sameList(a, b) { return a.length === b.length && a.every(function (s) { return b.indexOf(s) !== -1; }); }

  function say(text, withLink) {
    status.textContent = "";
    status.appendChild(document.createTextNode(text));
    if (withLink) {
      var link = document.createElement("a");
      link.href = listURL(slugsOf(read()));
      link.textContent = status.dataset.labelOpen;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }
    status.classList.add("is-shown");
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(function () { status.classList.remove("is-shown"); status.textContent = ""; }, 5000);
  }

  function render() {
    var items = read();
    var slugs = slugsOf(items);
    document.querySelectorAll("[data-shortlist-slug]").forEach(function (toggle) {
      var slug = toggle.dataset.shortlistSlug;
      var on = slugs.indexOf(slug) !== -1;
      toggle.setAttribute("role", "button");
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.classList.toggle("is-added", on);
      toggle.href = listURL(on ? slugs.filter(function (s) { return s !== slug; }) : slugs.concat([slug]));
    });
    document.querySelectorAll("[data-shortlist-link], [data-shortlist-mine]").forEach(function (link) {
      link.href = listURL(slugs);
    });
    document.querySelectorAll("[data-shortlist-count]").forEach(function (count) {
      count.textContent = slugs.length;
      count.hidden = slugs.length === 0;
    });
    if (page) renderPage(slugs);
  }

  // On the shortlist page: the visitor's own list follows what they toggle (the address, share
  // link and QR code with it); a list shared by someone else can be taken over in one click.
  var pageSlugs = page ? page.dataset.roles.split(",").filter(Boolean) : [];
  var ownList = false;
  function renderPage(slugs) {
    var shared = document.querySelector("[data-shortlist-shared]");
    if (ownList) {
      var url = listURL(slugs);
      if (location.pathname + location.search !== url) {
        history.replaceState(null, "", url);
        document.dispatchEvent(new CustomEvent("share:path", { detail: url }));
      }
    } else if (shared) {
      shared.hidden = pageSlugs.length === 0 || pageSlugs.every(function (s) { return slugs.indexOf(s) !== -1; });
    }
  }

  function titleOf(slug) {
    var toggle = document.querySelector('[data-shortlist-slug="' + slug + '"]');
    return toggle ? toggle.dataset.shortlistTitle : slug;
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-shortlist-slug]");
    if (toggle) {
      event.preventDefault();
      var items = read();
      var slug = toggle.dataset.shortlistSlug;
      var title = toggle.dataset.shortlistTitle || slug;
      var without = items.filter(function (i) { return i.slug !== slug; });
      if (without.length !== items.length) {
        write(without);
        say(status.dataset.labelRemoved.replace("{title}", title), false);
      } else if (items.length < MAX) {
        write(items.concat([{ slug: slug, title: title }]));
        say(status.dataset.labelSaved.replace("{title}", title), !page);
      } else {
        say(status.dataset.labelFull.replace("{max}", MAX), true);
      }
      return;
    }
    if (event.target.closest("[data-shortlist-adopt]")) {
      var mine = read();
      var have = slugsOf(mine);
      pageSlugs.forEach(function (s) {
        if (have.indexOf(s) === -1 && mine.length < MAX) mine.push({ slug: s, title: titleOf(s) });
      });
      write(mine);
    }
  });

  // Space presses a button; links only know Enter.
  document.addEventListener("keydown", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-shortlist-slug]");
    if (toggle && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      toggle.click();
    }
  });

  if (page) {
    var stored = slugsOf(read());
    if (!page.hasAttribute("data-requested") && stored.length) {
      // /shortlist/ on its own: show this browser's list, at its shareable address.
      location.replace(listURL(stored));
      return;
    }
    if (!stored.length && pageSlugs.length) {
      // Opened on a device with nothing saved yet: the list becomes this browser's.
      try { localStorage.setItem(KEY, JSON.stringify(pageSlugs.map(function (s) { return { slug: s, title: titleOf(s) }; }))); } catch (e) { /* ignore */ }
      stored = pageSlugs;
    }
    ownList = stored.length > 0 && sameList(stored, pageSlugs);
  }
  render();
  // The listing swaps its content in place; mark the new toggles too.
  var main = document.getElementById("main");
  if (main) new MutationObserver(function () { render(); }).observe(main, { childList: true, subtree: true });
  window.addEventListener("storage", function (event) { if (event.key === KEY) render(); });
})();

// The role listing without full page loads: a changed filter, a removed chip or another page
// fetches the same URL a plain form would, swaps the listing in place and keeps the address
// bar and the Back button in step. Without this script the GET form and links work as they are.
(function () {
  "use strict";
  var listing = document.getElementById("listing");
  if (!listing || !window.fetch || !window.DOMParser || !window.history.pushState) return;

  var narrow = window.matchMedia("(max-width: 800px)");
  var drawer = document.getElementById("filter-drawer");
  if (drawer && narrow.matches) drawer.open = false;

  var pending = null;

  function formURL(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim() !== "") params.append(key, value);
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    var current = document.getElementById("listing");
    current.setAttribute("aria-busy", "true");
    var focused = document.activeElement && document.activeElement.id;
    var drawerOpen = document.getElementById("filter-drawer").open;
    fetch(url, { signal: pending.signal, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("listing");
        if (!next) { window.location.assign(url); return; }
        next.querySelector("#filter-drawer").open = drawerOpen;
        current.replaceWith(next);
        document.title = doc.title;
        var canonical = doc.querySelector("link[rel=canonical]");
        var here = document.querySelector("link[rel=canonical]");
        if (canonical && here) here.href = canonical.href;
        if (push) window.history.pushState({ listing: true }, "", url);
        followLanguageLinks();
        var again = focused && document.getElementById(focused);
        if (again) again.focus();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") window.location.assign(url);
      });
  }

  // The header's language links return to the page they were clicked on: keep their `next` in
  // step with the address bar.
  function followLanguageLinks() {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll("a[data-lang-switch]").forEach(function (link) {
      var target = new URL(link.href);
      target.searchParams.set("next", here);
      link.href = target.toString();
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.id === "filters" && event.target.name !== "q") load(formURL(form), true);
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "filters") return;
    event.preventDefault();
    load(formURL(event.target), true);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-listing-link]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    load(link.href, true);
  });
  window.addEventListener("popstate", function () { load(window.location.href, false); });
})();

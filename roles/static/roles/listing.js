// The role listing without full page loads: a changed filter, a removed chip or another page
// fetches the same URL a plain form would, swaps the listing in place and keeps the address
// bar and the Back button in step. Without this script the GET form and links work as they are.
(function () {
  "use strict";

  // A long facet (company types, skills) gets a box that narrows its options as you type: by
  // the name, its pinyin or the pinyin's initials (data-keys, written by the server). Without
  // this script the facet is a plain list whose "显示全部 N 项" opens the rest.
  function normalise(text) {
    return text.toLowerCase().replace(/\s+/g, "");
  }

  function filterFacet(fieldset, input) {
    var wanted = normalise(input.value);
    var shown = 0;
    fieldset.querySelectorAll(".facet__option").forEach(function (option) {
      var keys = (option.getAttribute("data-keys") || option.textContent).toLowerCase();
      var match = !wanted || keys.split(" ").some(function (key) {
        return normalise(key).indexOf(wanted) !== -1;
      });
      option.hidden = !match;
      if (match) shown += 1;
    });
    // While filtering, every match shows, including those behind "显示全部".
    var more = fieldset.querySelector(".facet__more");
    if (more) {
      if (wanted && !more.open) { more.open = true; more.dataset.openedByFilter = "1"; }
      if (!wanted && more.dataset.openedByFilter) { more.open = false; delete more.dataset.openedByFilter; }
    }
    fieldset.classList.toggle("facet--filtering", Boolean(wanted));
    var none = fieldset.querySelector(".facet__none");
    if (none) none.hidden = shown > 0;
  }

  function enhanceFacets(root) {
    root.querySelectorAll("fieldset[data-facet-filter]").forEach(function (fieldset) {
      if (fieldset.querySelector(".facet__filter")) return;
      var legend = fieldset.querySelector("legend");
      var input = document.createElement("input");
      input.type = "search";
      input.className = "input facet__filter";
      input.setAttribute("aria-label", fieldset.getAttribute("data-facet-filter"));
      input.placeholder = fieldset.getAttribute("data-facet-filter");
      input.autocomplete = "off";
      input.setAttribute("data-facet-filter-input", "");
      var none = document.createElement("p");
      none.className = "facet__none";
      none.hidden = true;
      none.setAttribute("role", "status");
      none.textContent = fieldset.getAttribute("data-facet-none");
      legend.insertAdjacentElement("afterend", input);
      input.insertAdjacentElement("afterend", none);
      input.addEventListener("input", function () { filterFacet(fieldset, input); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault(); // not a search of the listing
      });
    });
  }

  enhanceFacets(document);

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
        // A facet's "显示全部" stays open if the visitor had opened it.
        var opened = Array.prototype.map.call(
          current.querySelectorAll(".facet__more[open]"),
          function (more) { return more.closest("fieldset").querySelector("input[name]").name; }
        );
        next.querySelectorAll(".facet__more").forEach(function (more) {
          var field = more.closest("fieldset").querySelector("input[name]");
          if (field && opened.indexOf(field.name) !== -1) more.open = true;
        });
        var typed = {};
        current.querySelectorAll("input[data-facet-filter-input]").forEach(function (input) {
          var field = input.closest("fieldset").querySelector("input[name]");
          if (field && input.value) typed[field.name] = input.value;
        });
        current.replaceWith(next);
        enhanceFacets(next);
        next.querySelectorAll("input[data-facet-filter-input]").forEach(function (input) {
          var fieldset = input.closest("fieldset");
          var field = fieldset.querySelector("input[name]");
          if (field && typed[field.name]) {
            input.value = typed[field.name];
            filterFacet(fieldset, input);
          }
        });
        // The page's heading and the header's search box say what is searched now.
        var heading = doc.querySelector(".page-head h1");
        var here = document.querySelector(".page-head h1");
        if (heading && here) here.textContent = heading.textContent;
        var box = document.getElementById("site-search-q");
        var nextBox = doc.getElementById("site-search-q");
        if (box && nextBox) box.value = nextBox.value;
        document.title = doc.title;
        var canonical = doc.querySelector("link[rel=canonical]");
        var link = document.querySelector("link[rel=canonical]");
        if (canonical && link) link.href = canonical.href;
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
    // Only the filters themselves: not the keyword box (sent with the form) nor a facet's
    // filter-as-you-type box, which has no name.
    if (form && form.id === "filters" && event.target.name && event.target.name !== "q") {
      load(formURL(form), true);
    }
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

// The share control: the browser's share sheet where there is one (phones), else copy the link,
// with a visible confirmation in a live region. The QR code and the link field inside
// "二维码和链接" work without this script. Its words come from the data-label-* attributes.
(function () {
  "use strict";
  document.querySelectorAll("[data-share]").forEach(function (share) {
    var button = share.querySelector("[data-share-button]");
    var input = share.querySelector("[data-share-input]");
    var status = share.querySelector("[data-share-status]");
    var canShare = typeof navigator.share === "function";
    var timer = null;
    // The QR code is served at a prefix + the page's path and query (roles.discovery.sharing).
    var qr = share.querySelector("[data-share-qr]");
    var qrPath = qr ? new URL(qr.src, location.href).pathname : "";
    var qrPrefix = qrPath.slice(0, qrPath.length - new URL(share.dataset.shareUrl).pathname.length);
    button.textContent = canShare ? share.dataset.labelShare : share.dataset.labelCopy;
    button.hidden = false;

    function tell(text) {
      status.textContent = text;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { status.textContent = ""; }, 6000);
    }
    function copied() { tell(share.dataset.labelCopied); }
    function selectByHand() {
      // No clipboard access (an old browser, or permission refused): show the link, selected.
      share.querySelector("details").open = true;
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      tell(ok ? share.dataset.labelCopied : share.dataset.labelCopyFailed);
    }

    button.addEventListener("click", function () {
      var url = share.dataset.shareUrl;
      if (canShare) {
        navigator.share({ title: document.title, url: url }).catch(function () { /* dismissed */ });
      } else if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(copied, selectByHand);
      } else {
        selectByHand();
      }
    });
    input.addEventListener("focus", function () { input.select(); });

    // The shortlist page changes its own address as the visitor edits the list.
    document.addEventListener("share:path", function (event) {
      var url = new URL(event.detail, location.href);
      share.dataset.shareUrl = url.href;
      input.value = url.href;
      if (qr) qr.src = qrPrefix + url.pathname + url.search;
      document.querySelectorAll("[data-share-address]").forEach(function (node) { node.textContent = url.href; });
      var canonical = document.querySelector('link[rel="canonical"]');
      if (canonical) canonical.href = url.href;
    });
  });
})();

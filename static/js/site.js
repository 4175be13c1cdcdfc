// Small progressive enhancements: everything works without this file.
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  // Sidebar tabs (WAI-ARIA tabs pattern): click or arrow keys switch panels without a page load.
  function setupTabs(root) {
    var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));
    function select(tab, focus) {
      tabs.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        select(tab, false);
      });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
        if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
        if (event.key === "Home") next = tabs[0];
        if (event.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          event.preventDefault();
          select(next, true);
        }
      });
    });
    var current = tabs.filter(function (t) { return t.getAttribute("aria-selected") === "true"; })[0];
    if (current) select(current, false);
  }
  document.querySelectorAll("[data-tabs]").forEach(setupTabs);

  // The id this site signed for this browser, so one reader's repeated visits count once per half
  // hour. The page is cached for everyone, so the id cannot be in it: the first report gets one
  // back instead of a count, and the script keeps it and reports again.
  function storedVisitor() {
    try {
      return localStorage.getItem("visitor") || "";
    } catch (e) {
      return "";
    }
  }

  function showViews(views) {
    var format = new Intl.NumberFormat(document.documentElement.lang || "ru", { notation: "compact", maximumFractionDigits: 1 });
    document.querySelectorAll("[data-views-count]").forEach(function (node) {
      node.setAttribute("data-views-count", views);
      node.textContent = views < 1000 ? String(views) : format.format(views);
    });
  }

  function reportView(url, visitor, retry) {
    var body = new URLSearchParams({ visitor: visitor });
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.visitor) {
          try {
            localStorage.setItem("visitor", data.visitor);
          } catch (e) {}
          if (retry) return reportView(url, data.visitor, false);
        }
        showViews(data.views);
      })
      .catch(function () {});
  }

  // Report a view once the article has rendered; crawlers that run no script are not counted.
  var article = document.querySelector("[data-view-url]");
  if (article && window.fetch) reportView(article.getAttribute("data-view-url"), storedVisitor(), true);
})();

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

  // A random id per browser, so one reader's repeated visits count once per half hour.
  function visitorId() {
    try {
      var id = localStorage.getItem("visitor");
      if (!id) {
        id = (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now();
        localStorage.setItem("visitor", id);
      }
      return id;
    } catch (e) {
      return "";
    }
  }

  // Report a view once the article has rendered; crawlers that run no script are not counted.
  var article = document.querySelector("[data-view-url]");
  if (article && window.fetch) {
    var body = new URLSearchParams({ visitor: visitorId() });
    fetch(article.getAttribute("data-view-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var format = new Intl.NumberFormat(document.documentElement.lang || "ru", { notation: "compact", maximumFractionDigits: 1 });
        document.querySelectorAll("[data-views-count]").forEach(function (node) {
          node.setAttribute("data-views-count", data.views);
          node.textContent = data.views < 1000 ? String(data.views) : format.format(data.views);
        });
      })
      .catch(function () {});
  }
})();

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

  function keepVisitor(visitor) {
    try {
      localStorage.setItem("visitor", visitor);
    } catch (e) {}
  }

  // Posts a report with the stored visitor id; a report without a valid one is handed a fresh id
  // instead of a count, kept, and sent once more with it.
  function report(url, fields, retry, done) {
    var body = new URLSearchParams(fields);
    body.set("visitor", storedVisitor());
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.visitor) {
          keepVisitor(data.visitor);
          if (retry) return report(url, fields, false, done);
        }
        if (done) done(data);
      })
      .catch(function () {});
  }

  // An engaged read: the page stayed visible for 30 s in all and the reader got past 3/4 of the
  // text (or to the end of the page). Reported once per page load; the server counts it once per
  // visitor and half hour, within the same caps as views.
  var ENGAGED_SECONDS = 30;
  function watchEngagement(article, url) {
    var body = article.querySelector(".prose") || article;
    var visible = 0;
    var farEnough = false;
    function checkScroll() {
      var box = body.getBoundingClientRect();
      var seen = window.innerHeight - box.top;
      var atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      if (seen >= box.height * 0.75 || atEnd) farEnough = true;
    }
    var timer = window.setInterval(function () {
      if (document.visibilityState === "visible") visible += 1;
      checkScroll();
      if (visible >= ENGAGED_SECONDS && farEnough) {
        window.clearInterval(timer);
        window.removeEventListener("scroll", checkScroll);
        report(url, {}, true, null);
      }
    }, 1000);
    window.addEventListener("scroll", checkScroll, { passive: true });
  }

  // Report a view once the article has rendered, with the page the reader came from (the server
  // keeps its host only); crawlers that run no script are not counted.
  var article = document.querySelector("[data-view-url]");
  if (article && window.fetch && window.URLSearchParams) {
    report(article.getAttribute("data-view-url"), { referrer: document.referrer }, true, function (data) {
      showViews(data.views);
    });
    if (article.hasAttribute("data-read-url")) watchEngagement(article, article.getAttribute("data-read-url"));
  }
})();

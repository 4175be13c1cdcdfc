// The media library and the article form's Markdown field in the admin: copy a picture's
// Markdown, put a picture into the text, and preview the text as readers will see it. The
// preview's HTML comes from our own endpoint, rendered and sanitised by the site's renderer.
(function () {
  "use strict";
  var DEBOUNCE_MS = 400;

  function copyText(text, field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Without the Clipboard API (plain HTTP): select the snippet's own field and copy it.
    if (field) {
      field.select();
      document.execCommand("copy");
    }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".library-copy");
    if (!button) return;
    event.preventDefault();
    var field = button.parentNode.querySelector(".library-snippet__text");
    var label = button.textContent;
    copyText(button.dataset.copy, field).then(function () {
      button.textContent = button.dataset.done;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });

  function csrfToken(form) {
    var input = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function setupEditor(root) {
    var source = document.getElementById(root.dataset.source);
    var preview = root.querySelector(".md-editor__preview");
    var status = root.querySelector(".md-editor__status");
    var timer = null;
    var sent = 0;

    function show(message) { status.textContent = message || ""; }

    function refresh() {
      var number = ++sent;
      var body = new FormData();
      body.append("body", source.value);
      show("…");
      fetch(root.dataset.previewUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(source.form), "Accept": "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (answer) {
          if (number !== sent) return; // an older answer arriving after a newer one
          if (!answer.ok) return show(answer.data.error);
          preview.innerHTML = answer.data.html; // sanitised by the server (articles.markup)
          var missing = answer.data.missing || [];
          show(missing.length ? root.dataset.missing + " " + missing.map(function (id) {
            return "image:" + id;
          }).join(", ") : "");
        })
        .catch(function () { if (number === sent) show(root.dataset.failed); });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DEBOUNCE_MS);
    }

    function insert(snippet) {
      var start = source.selectionStart, end = source.selectionEnd, text = source.value;
      var before = text.slice(0, start), after = text.slice(end);
      var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
      var tail = after && !/^\n\n/.test(after) ? (/^\n/.test(after) ? "\n" : "\n\n") : "";
      source.value = before + lead + snippet + tail + after;
      var caret = (before + lead + snippet).length;
      source.focus();
      source.setSelectionRange(caret, caret);
      later();
    }

    source.addEventListener("input", later);
    root.addEventListener("click", function (event) {
      var button = event.target.closest(".md-editor__insert");
      if (!button) return;
      event.preventDefault();
      insert(button.dataset.snippet);
    });
    if (source.value.trim()) refresh();
  }

  function start() { document.querySelectorAll(".md-editor").forEach(setupEditor); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

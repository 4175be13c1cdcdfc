// Discussions without page loads: comment, reply, edit, delete, vote, bookmark, the bell.
// Every form also works without this file (POST, then a redirect back to the comment).
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) return;

  var FALLBACK_ERROR = "Не получилось. Проверьте связь и попробуйте ещё раз.";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function csrfToken(form) {
    var field = form && form.querySelector("[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (field ? field.value : "");
  }

  function message(name) {
    var holder = document.querySelector("[data-discussion]");
    return (holder && holder.getAttribute("data-msg-" + name)) || FALLBACK_ERROR;
  }

  // Send a form's data; 401 sends the reader to log in and back, other errors carry the message.
  function send(url, body, form, method) {
    return fetch(url, {
      method: method || "POST",
      body: body,
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(form),
        "Accept": "application/json",
        "X-Requested-With": "XMLHttpRequest"
      }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && data.login_url) {
          window.location.href = data.login_url;
          throw new Error("");
        }
        if (!response.ok) {
          var error = new Error(data.error || message("failed"));
          error.data = data;
          throw error;
        }
        return data;
      });
    }, function () {
      throw new Error(message("failed"));
    });
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function showError(form, text) {
    if (!text) return;
    var box = form.querySelector("[data-error]");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-error", "");
      box.setAttribute("data-flash", "");
      form.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    if (box.hasAttribute("data-flash")) {
      clearTimeout(box._timer);
      box._timer = setTimeout(function () { box.hidden = true; }, 6000);
    }
  }

  function hideError(form) {
    var box = form.querySelector("[data-error]");
    if (box) box.hidden = true;
  }

  function highlight(node) {
    node.classList.add("is-highlighted");
    node.scrollIntoView({ block: "nearest", behavior: "smooth" });
    setTimeout(function () { node.classList.remove("is-highlighted"); }, 2500);
  }

  function signed(n) {
    return n > 0 ? "+" + n : n < 0 ? "\u2212" + (-n) : "0";
  }

  function setCommentsCount(count) {
    if (typeof count !== "number") return;
    document.querySelectorAll(".comments__count").forEach(function (node) {
      node.textContent = String(count);
    });
  }

  // The comment form moves under the comment being answered, and back home.
  var commentForm = document.querySelector("[data-comment-form]");
  var formHome = document.querySelector("[data-form-home]");

  function resetReply() {
    if (!commentForm) return;
    commentForm.querySelector("[name=parent]").value = "";
    commentForm.querySelector("[data-reply-note]").hidden = true;
    commentForm.classList.remove("comment-form--inline");
    if (formHome && commentForm.parentElement !== formHome) formHome.appendChild(commentForm);
  }

  function startReply(link) {
    var item = link.closest(".comment");
    if (!commentForm || !item) return false;
    var author = item.querySelector(".comment__author");
    commentForm.querySelector("[name=parent]").value = item.id.replace("comment-", "");
    var note = commentForm.querySelector("[data-reply-note]");
    note.querySelector("[data-reply-name]").textContent = author ? author.lastChild.textContent : "";
    note.querySelector("[data-reply-link]").setAttribute("href", "#" + item.id);
    note.hidden = false;
    commentForm.classList.add("comment-form--inline");
    item.appendChild(commentForm);
    commentForm.querySelector("textarea").focus();
    return true;
  }

  // ?reply=<pk> (a reply link followed after logging in): the form opens under that comment.
  if (commentForm && commentForm.querySelector("[name=parent]").value) {
    var answered = document.getElementById("comment-" + commentForm.querySelector("[name=parent]").value);
    var replyLink = answered && answered.querySelector("[data-reply]");
    if (replyLink) startReply(replyLink);
  }

  function depthOf(node) {
    return Number(node.getAttribute("data-depth"));
  }

  // The list is flat in reading order: a reply goes after the last comment of its parent's
  // branch (at the maximum depth, replies sit beside their parent, in the holder's branch).
  function insertComment(data) {
    var node = fragment(data.html);
    var list = document.getElementById("comment-list");
    if (!data.parent) {
      if (list.getAttribute("data-sort") === "newest") list.prepend(node);
      else list.appendChild(node);
    } else {
      var after = document.getElementById("comment-" + data.parent);
      var next = after.nextElementSibling;
      while (next && next.classList.contains("comment") && depthOf(next) >= data.depth) {
        after = next;
        next = next.nextElementSibling;
      }
      after.after(node);
    }
    var empty = document.querySelector("[data-empty]");
    if (empty) empty.remove();
    highlight(node);
  }

  function submitComment(form) {
    form.classList.add("is-busy");
    hideError(form);
    send(form.action, new FormData(form), form)
      .then(function (data) {
        form.querySelector("textarea").value = "";
        resetReply();
        insertComment(data);
        setCommentsCount(data.comments_count);
      })
      .catch(function (error) {
        if (error.data && error.data.comment_url) {
          window.location.href = error.data.comment_url;
          return;
        }
        showError(form, error.message);
      })
      .finally(function () { form.classList.remove("is-busy"); });
  }

  function updateVote(box, score, value) {
    var scoreNode = box.querySelector("[data-score]");
    scoreNode.textContent = signed(score);
    scoreNode.classList.toggle("vote__score--positive", score > 0);
    scoreNode.classList.toggle("vote__score--negative", score < 0);
    [[".vote__up", 1], [".vote__down", -1]].forEach(function (pair) {
      var button = box.querySelector(pair[0]);
      button.setAttribute("aria-pressed", pair[1] === value ? "true" : "false");
      button.value = pair[1] === value ? "0" : String(pair[1]);
    });
  }

  // A vote control: the article's own form, or a comment's buttons posting through the
  // thread's one form (formaction names the comment).
  function submitVote(box, button, url, form) {
    if (!button) return;
    var body = new FormData();
    body.set("value", button.value);
    var buttons = box.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    send(url, body, form)
      .then(function (data) { updateVote(box, data.score, data.value); })
      .catch(function (error) { showError(box.parentElement, error.message); })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  }

  function replaceComment(item, html) {
    var node = fragment(html);
    var form = commentForm && item.contains(commentForm);
    if (form) resetReply();
    item.replaceWith(node);
    return node;
  }

  function hasReplies(item) {
    var next = item.nextElementSibling;
    return Boolean(next && next.classList.contains("comment") && depthOf(next) > depthOf(item));
  }

  function submitDelete(button, form) {
    var holder = document.querySelector("[data-discussion]");
    if (!window.confirm(holder.getAttribute("data-msg-delete"))) return;
    var item = button.closest(".comment");
    send(button.formAction, new FormData(), form)
      .then(function (data) {
        if (hasReplies(item)) replaceComment(item, data.html);
        else item.remove();
        setCommentsCount(data.comments_count);
      })
      .catch(function (error) { showError(button.closest(".comment__actions"), error.message); });
  }

  function submitModerate(button, form) {
    var body = new FormData();
    body.set(button.name, button.value);
    send(button.formAction, body, form)
      .then(function (data) { replaceComment(button.closest(".comment"), data.html); })
      .catch(function (error) { showError(button.closest(".comment__actions"), error.message); });
  }

  function submitThreadAction(form, button) {
    if (!button || !button.formAction) return false;
    if (button.closest(".vote")) submitVote(button.closest(".vote"), button, button.formAction, form);
    else if (button.hasAttribute("data-delete")) submitDelete(button, form);
    else if (button.hasAttribute("data-moderate")) submitModerate(button, form);
    else return false;
    return true;
  }

  function startEdit(link) {
    var item = link.closest(".comment");
    var text = item.querySelector(".comment__text");
    if (!text || item.querySelector("[data-edit-form]")) return;
    send(link.href, undefined, null, "GET").then(function (data) {
      var form = document.createElement("form");
      form.className = "comment-form comment-form--inline";
      form.setAttribute("data-edit-form", "");
      form.action = link.href;
      var area = document.createElement("textarea");
      area.name = "body";
      area.rows = 4;
      area.value = data.body;
      var footer = document.createElement("div");
      footer.className = "comment-form__footer";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "link-button";
      cancel.textContent = message("cancel");
      var save = document.createElement("button");
      save.type = "submit";
      save.className = "button button--small";
      save.textContent = message("save");
      footer.append(cancel, save);
      form.append(area, footer);
      text.hidden = true;
      text.after(form);
      area.focus();
      cancel.addEventListener("click", function () {
        form.remove();
        text.hidden = false;
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = new FormData();
        body.set("body", area.value);
        form.classList.add("is-busy");
        send(form.action, body, null)
          .then(function (result) { replaceComment(item, result.html); })
          .catch(function (error) { showError(form, error.message); })
          .finally(function () { form.classList.remove("is-busy"); });
      });
    }).catch(function (error) {
      showError(link.closest(".comment__actions"), error.message);
    });
  }

  function submitBookmark(form) {
    send(form.action, new FormData(form), form)
      .then(function (data) {
        var button = form.querySelector("button");
        form.querySelector("[name=saved]").value = data.saved ? "0" : "1";
        button.setAttribute("aria-pressed", data.saved ? "true" : "false");
        button.querySelector("[data-label]").textContent =
          button.getAttribute(data.saved ? "data-label-on" : "data-label-off");
      })
      .catch(function (error) { showError(form.parentElement, error.message); });
  }

  function submitFollow(form) {
    send(form.action, new FormData(form), form)
      .then(function (data) {
        var button = form.querySelector("button");
        form.querySelector("[name=following]").value = data.following ? "0" : "1";
        button.setAttribute("aria-pressed", data.following ? "true" : "false");
        button.querySelector("[data-label]").textContent =
          button.getAttribute(data.following ? "data-label-on" : "data-label-off");
      })
      .catch(function (error) { showError(form.parentElement, error.message); });
  }

  // The bell: a short list of notifications without leaving the page.
  var bell = document.querySelector("[data-bell]");
  function closeBell() {
    if (!bell) return;
    bell.querySelector("[data-bell-panel]").hidden = true;
    bell.querySelector("[data-bell-button]").setAttribute("aria-expanded", "false");
  }
  function toggleBell(button) {
    var panel = bell.querySelector("[data-bell-panel]");
    if (!panel.hidden) {
      closeBell();
      return;
    }
    var url = button.href + (button.href.indexOf("?") < 0 ? "?" : "&") + "panel=1";
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        panel.innerHTML = html;
        panel.hidden = false;
        button.setAttribute("aria-expanded", "true");
      })
      .catch(function () { window.location.href = button.href; });
  }
  function markAllRead(form) {
    send(form.action, new FormData(form), form).then(function () {
      document.querySelectorAll(".notification--unread").forEach(function (node) {
        node.classList.remove("notification--unread");
      });
      var count = document.querySelector("[data-bell-count]");
      if (count) count.hidden = true;
    }).catch(function () {});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var handler = null;
    if (form.hasAttribute("data-comment-form")) handler = function () { submitComment(form); };
    else if (form.hasAttribute("data-vote")) {
      handler = function () { submitVote(form, event.submitter, form.action, form); };
    } else if (form.hasAttribute("data-thread-actions")) {
      // Without the submitting button (old browsers) the form posts as it would without script.
      if (submitThreadAction(form, event.submitter)) event.preventDefault();
      return;
    }
    else if (form.hasAttribute("data-bookmark")) handler = function () { submitBookmark(form); };
    else if (form.hasAttribute("data-follow")) handler = function () { submitFollow(form); };
    else if (form.hasAttribute("data-mark-read")) handler = function () { markAllRead(form); };
    if (!handler) return;
    event.preventDefault();
    handler();
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("a, button");
    if (!target) {
      if (bell && !event.target.closest("[data-bell]")) closeBell();
      return;
    }
    if (target.hasAttribute("data-reply") && startReply(target)) {
      event.preventDefault();
    } else if (target.hasAttribute("data-reply-cancel") && commentForm) {
      event.preventDefault();
      resetReply();
    } else if (target.hasAttribute("data-edit")) {
      event.preventDefault();
      startEdit(target);
    } else if (target.hasAttribute("data-more") && showMore(target)) {
      event.preventDefault();
    } else if (target.hasAttribute("data-bell-button")) {
      event.preventDefault();
      toggleBell(target);
    } else if (bell && !target.closest("[data-bell]")) {
      closeBell();
    }
  });

  // "Показать ещё": the next part of a long discussion, from the same rendering as ?page=N.
  function showMore(link) {
    var holder = link.closest("[data-more-holder]");
    var list = document.querySelector("[data-comment-list]");
    if (!holder || !list || link.classList.contains("is-busy")) return false;
    link.classList.add("is-busy");
    fetch(link.getAttribute("data-more"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var next = template.content.querySelector("[data-more-holder]");
        template.content.querySelectorAll(".comment").forEach(function (node) {
          if (!document.getElementById(node.id)) list.appendChild(node);
        });
        if (next) holder.replaceWith(next);
        else holder.remove();
      })
      .catch(function () { window.location.href = link.href; });
    return true;
  }

  // A link to a comment that is in another part of the discussion: its permanent link knows
  // which part holds it (and comes back with ?page=N, so this happens once).
  (function findLinkedComment() {
    var match = window.location.hash.match(/^#comment-(\d+)$/);
    var holder = document.querySelector("[data-discussion]");
    if (!match || !holder || document.getElementById("comment-" + match[1])) return;
    if (/[?&]page=/.test(window.location.search)) return;
    var pattern = holder.getAttribute("data-comment-url");
    if (pattern) window.location.replace(pattern.replace("/0/", "/" + match[1] + "/"));
  })();

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeBell();
  });

  // Ctrl/Cmd+Enter sends a comment, as on Habr and dev.to.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form");
    if (form && event.target.tagName === "TEXTAREA") form.requestSubmit();
  });
})();

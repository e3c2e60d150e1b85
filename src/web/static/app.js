// Self-help KB: small enhancements over pages that work without script.
// - "/" and Ctrl+K (Cmd+K) focus the search box;
// - recently viewed and pinned articles, kept in this browser's local storage only (never
//   sent anywhere), listed on the home page;
// - search-as-you-type suggestions under any input with data-suggest (from /api/suggest),
//   as an ARIA combobox: arrows move, Enter opens, Escape closes;
// - filters and sort submit the search form as soon as they change;
// - "Copy filled text" copies an article's text with the customer's values;
// - "Copy for reply" links fetch the reply text they point at and copy it.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // "/" focuses the first search box, unless the user is typing somewhere; Ctrl+K (Cmd+K on
  // a Mac) does from anywhere, as in most web apps.
  document.addEventListener("keydown", function (e) {
    var commandK = (e.key === "k" || e.key === "K") && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
    var slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey;
    if (!commandK && !slash) return;
    var t = e.target;
    var tag = t && t.tagName;
    var typing = tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable);
    if (slash && typing) return;
    var box = document.querySelector("input[data-suggest]");
    if (!box) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  // Recently viewed and pinned articles: lists of {url, title} in localStorage. Nothing of it
  // leaves the browser. Storage may be off (private mode, a policy): then there are none.
  var RECENT = "kb.recent", PINNED = "kb.pinned", KEEP = 10;
  function load(key) {
    try {
      var v = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(v) ? v.filter(function (a) { return a && typeof a.url === "string" && typeof a.title === "string"; }) : [];
    } catch (err) { return []; }
  }
  function save(key, list) {
    try { window.localStorage.setItem(key, JSON.stringify(list)); } catch (err) { /* storage off */ }
  }
  var current = document.querySelector("[data-article-url]");
  if (current) {
    var me = { url: current.getAttribute("data-article-url"), title: current.getAttribute("data-article-title") || "" };
    var recent = load(RECENT).filter(function (a) { return a.url !== me.url; });
    recent.unshift(me);
    save(RECENT, recent.slice(0, KEEP));
    var pin = document.querySelector("[data-pin]");
    if (pin) {
      var pinned = function () { return load(PINNED).some(function (a) { return a.url === me.url; }); };
      var show = function () {
        var on = pinned();
        pin.setAttribute("aria-pressed", on ? "true" : "false");
        pin.textContent = on ? "Pinned" : "Pin";
      };
      pin.hidden = false;
      show();
      pin.addEventListener("click", function () {
        var list = load(PINNED).filter(function (a) { return a.url !== me.url; });
        if (!pinned()) list.unshift(me);
        save(PINNED, list);
        show();
      });
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-list]"), function (panel) {
    var items = load(panel.getAttribute("data-list") === "pinned" ? PINNED : RECENT);
    var ul = panel.querySelector("ul");
    if (!ul || items.length === 0) return;
    items.forEach(function (a) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = a.url;
      link.textContent = a.title || a.url;
      li.appendChild(link);
      ul.appendChild(li);
    });
    panel.hidden = false;
  });

  // Auto-submit of filters and sort.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-autosubmit")) return;
    var form = el.form;
    if (!form) return;
    // The page number belongs to the old result set.
    var page = form.querySelector("input[name=page]");
    if (page) page.remove();
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });

  // Copy buttons: visible only with script.
  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    button.hidden = false;
    var status = button.parentNode.querySelector(".copy-status");
    button.addEventListener("click", function () {
      var text = target.value !== undefined ? target.value : target.textContent;
      var done = function (ok) {
        if (status) status.textContent = ok ? "Copied." : "Copy failed: select the text and copy it.";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      } else {
        var details = target.closest("details");
        if (details) details.open = true;
        target.focus();
        target.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
        done(ok);
      }
    });
  });

  // "Copy for reply": each link opens the reply text (the page works so without script);
  // with a clipboard, a plain click fetches the text and copies it instead, and the
  // panel's live region says what happened. After a failure the link opens the text again.
  if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
    Array.prototype.forEach.call(document.querySelectorAll("a[data-reply]"), function (link) {
      var panel = link.closest(".reply");
      var status = panel && panel.querySelector(".reply__status");
      var say = function (message) { if (status) status.textContent = message; };
      link.addEventListener("click", function (e) {
        if (link.hasAttribute("data-reply-failed")) return;
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        var what = link.getAttribute("data-reply") + " (" + link.getAttribute("data-reply-format") + ")";
        say("Copying " + what + "…");
        fetch(link.href, { headers: { Accept: "text/plain" } })
          .then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.text();
          })
          .then(function (text) { return navigator.clipboard.writeText(text); })
          .then(function () {
            say("Copied " + what + ".");
          }, function () {
            link.setAttribute("data-reply-failed", "");
            say("Copy failed: " + what + " was not copied. Click the link again to open the text.");
          });
      });
    });
  }

  // Suggestions.
  var counter = 0;
  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), function (input) {
    var id = "suggest-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    // The list is positioned against the input's own wrapper, so that it is exactly as wide
    // as the input (not the input and its button). The templates provide the wrapper; one
    // is made here for any input that lacks it.
    var anchor = input.parentNode;
    if (!anchor.classList || !anchor.classList.contains("suggest-anchor")) {
      anchor = document.createElement("div");
      anchor.className = "suggest-anchor";
      input.parentNode.insertBefore(anchor, input);
      anchor.appendChild(input);
    }
    anchor.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);

    var items = [];
    var active = -1;
    var timer = null;
    var lastQuery = null;
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions.map(function (s, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.url = s.url;
        var title = document.createElement("span");
        title.textContent = s.title;
        var path = document.createElement("span");
        path.className = "suggest__path";
        path.textContent = s.path;
        li.appendChild(title);
        li.appendChild(path);
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          window.location.href = s.url;
        });
        list.appendChild(li);
        return li;
      });
      if (items.length === 0) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q.trim().length < 2) { lastQuery = q; close(); return; }
      if (q === lastQuery) return;
      lastQuery = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch("/api/suggest?q=" + encodeURIComponent(q), controller ? { signal: controller.signal } : {})
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) {
          if (input.value === q && document.activeElement === input) render(body.suggestions || []);
        })
        .catch(function () { /* offline or aborted: no suggestions */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) {
        if (e.key === "ArrowDown" && input.value.trim().length >= 2) { lastQuery = null; fetchSuggestions(); }
        return;
      }
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        window.location.href = items[active].dataset.url;
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();

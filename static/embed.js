/* Errata embed: an article's corrections box, a marker at each corrected passage, and "Report an
 * inaccuracy" for a selected passage. One file, no dependencies. Everything it draws lives in an
 * open shadow root styled by constructed stylesheets, so a host page's CSS cannot break it and a
 * strict host CSP (no inline script or style) does not stop it. Text from the API is only ever
 * set as text; a note's sanitised HTML is rebuilt element by element from an allowlist. */
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector("script[data-errata-article]") ||
    document.querySelector('script[src$="/embed.js"]');
  if (!script || !script.src || window.__errataEmbed) return;
  window.__errataEmbed = true;

  var BASE = script.src.replace(/\/embed\.js(\?.*)?$/, "");
  var attr = function (n) { return script.getAttribute("data-errata-" + n); };
  var canonicalLink = document.querySelector('link[rel="canonical"]');
  var ARTICLE = attr("article") || (canonicalLink && canonicalLink.href) || location.href.split("#")[0];
  // Every language's words, put here by the server from its Fluent catalogues (locales/).
  var MESSAGES = /*ERRATA_MESSAGES*/{};
  // The first language we have of: data-errata-lang, the page's lang, the reader's browser.
  var LANG = [attr("lang"), document.documentElement.lang].concat(navigator.languages || [navigator.language])
    .map(function (l) { return String(l || "").toLowerCase().split(/[-_]/)[0]; })
    .filter(function (l) { return MESSAGES[l]; })[0] || "en";
  var WORDS = MESSAGES[LANG] || {};
  // A message, with {name} slots filled from `values`.
  function T(key, values) {
    return String(WORDS[key] || key).replace(/\{(\w+)\}/g, function (all, name) {
      return values && name in values ? values[name] : all;
    });
  }
  function kindWord(kind) { return WORDS["kind-" + kind] ? T("kind-" + kind) : T("kind-correction"); }
  var REPORTING = attr("report") !== "off";
  var CATEGORIES = ["factual_error", "misquote", "outdated", "missing_context", "typo", "other"];
  var CONTEXT = 32;

  var CSS = [
    ":host{all:initial!important;display:block!important;color:#1b1b1b!important;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif!important;margin:1.5em 0!important}",
    "*{box-sizing:border-box}",
    ".box{border:1px solid #c9c3b8;border-left:4px solid #8a1c1c;background:#fbfaf7;padding:.75em 1em;border-radius:4px}",
    "h2{font-size:1em;margin:0 0 .5em;letter-spacing:.04em;text-transform:uppercase;color:#8a1c1c}",
    ".note{padding:.5em 0;border-top:1px solid #e4dfd6}.note:first-of-type{border-top:0}",
    ".note:focus{outline:3px solid #1a5fb4;outline-offset:2px}",
    ".kind{font-weight:700;margin-right:.5em}time{color:#555}",
    ".gone .was,.gone .now,.struck{text-decoration:line-through;color:#555}.retracted{color:#8a1c1c}",
    ".body p{margin:.4em 0}.was{text-decoration:line-through;color:#8a1c1c}.now{color:#1c5e2a}",
    "a{color:#1a5fb4}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #1a5fb4;outline-offset:1px}",
    ".report{margin:.5em 0 0;font-size:.9em}",
    "button{font:inherit;cursor:pointer;border-radius:4px;border:1px solid #1a5fb4;background:#1a5fb4;color:#fff;padding:.35em .8em}",
    "button.plain{background:#fff;color:#1a5fb4}",
  ].join("\n");
  var DIALOG_CSS = [
    ":host{all:initial!important;color:#1b1b1b!important;font:16px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif!important}",
    "dialog{border:1px solid #999;border-radius:6px;padding:1.25em;width:min(34em,calc(100vw - 2em));max-height:calc(100vh - 2em);overflow:auto;color:#1b1b1b;background:#fff}",
    "dialog::backdrop{background:rgba(0,0,0,.45)}",
    "h2{margin:0 0 .75em;font-size:1.25em}",
    "label{display:block;font-weight:600;margin:.75em 0 .2em}",
    "label.check{display:flex;gap:.5em;align-items:center;font-weight:400}",
    "input[type=text],input[type=email],select,textarea{display:block;width:100%;font:inherit;padding:.35em;border:1px solid #767676;border-radius:3px;background:#fff;color:#1b1b1b}",
    "textarea{min-height:4.5em}textarea[readonly]{background:#f2f0eb}",
    "[aria-invalid=true]{border-color:#b3261e;border-width:2px}",
    ".err{color:#b3261e;margin:.2em 0 0;font-size:.9em}.err:empty{display:none}",
    ".alert{border:2px solid #b3261e;color:#b3261e;padding:.5em;border-radius:4px;margin-bottom:.5em}.alert:empty{display:none}",
    ".hint{font-size:.85em;color:#555;margin:.1em 0 0}",
    ".actions{display:flex;gap:.5em;justify-content:flex-end;margin-top:1em}",
    "button{font:inherit;cursor:pointer;border-radius:4px;border:1px solid #1a5fb4;background:#1a5fb4;color:#fff;padding:.4em .9em}",
    "button.plain{background:#fff;color:#1a5fb4}",
    ":focus{outline:3px solid #1a5fb4;outline-offset:1px}[tabindex=\"-1\"]:focus{outline:none}",
    ".ref{font-size:1.2em;font-weight:700}",
  ].join("\n");
  var BUTTON_CSS = "button{all:initial;font:14px/1.2 system-ui,sans-serif;background:#1a5fb4;color:#fff;padding:.45em .8em;border-radius:4px;cursor:pointer;box-shadow:0 2px 6px rgba(0,0,0,.3)}button:focus{outline:3px solid #0b2e59;outline-offset:2px}";
  var MARK_CSS = "mark[data-errata-note]{all:revert;background:#ffe9a8!important;color:inherit!important;font-size:inherit!important;font-family:inherit!important;line-height:inherit!important;border-bottom:2px solid #8a1c1c!important;cursor:pointer!important}mark[data-errata-note]:focus{outline:3px solid #1a5fb4!important}";

  function sheet(text) {
    var s = new CSSStyleSheet();
    s.replaceSync(text);
    return s;
  }
  function el(tag, props, kids) {
    var e = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === "text") e.textContent = props[k];
      else e.setAttribute(k, props[k]);
    });
    (kids || []).forEach(function (k) { if (k) e.appendChild(k); });
    return e;
  }
  function shadowHost(name, css) {
    var host = document.createElement(name);
    var root = host.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [sheet(css)];
    return { host: host, root: root };
  }

  // ---- the host page's text, as the server's canonical text sees it --------------------------
  // Each paragraph's white space runs collapse to one space, paragraphs are joined by a blank line;
  // `at[i]` is the text node and offset of character i (null for the characters put between).
  var BLOCK = /^(P|H[1-6]|LI|BLOCKQUOTE|FIGCAPTION|PRE|DIV|SECTION|ARTICLE|MAIN|HEADER|FOOTER|UL|OL|TABLE|TR|TD|TH|DL|DT|DD|FIGURE|BR|HR)$/;
  var SKIP = /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|BUTTON|SELECT|TEXTAREA|SVG|IFRAME|OBJECT|CANVAS|VIDEO|AUDIO)$/;
  function pageText(root) {
    var text = "", at = [], pendingBreak = false, pendingSpace = null;
    function push(ch, where) {
      if (pendingBreak && text.length) { text += "\n\n"; at.push(null, null); }
      else if (pendingSpace && text.length) { text += " "; at.push(pendingSpace); }
      pendingBreak = false;
      pendingSpace = null;
      text += ch; at.push(where);
    }
    (function walk(node) {
      for (var c = node.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) {
          var s = c.data;
          for (var i = 0; i < s.length; i++) {
            // A run of white space is one space, standing for its first character.
            if (/\s/.test(s[i])) pendingSpace = pendingSpace || [c, i];
            else push(s[i], [c, i]);
          }
        } else if (c.nodeType === 1) {
          var tag = c.tagName.toUpperCase();
          if (SKIP.test(tag) || tag.indexOf("ERRATA-") === 0) continue;
          var block = BLOCK.test(tag);
          if (block) pendingBreak = true;
          walk(c);
          if (block) pendingBreak = true;
        }
      }
    })(root);
    return { text: text, at: at };
  }
  // Typographic variants folded one for one, so positions do not move.
  function fold(s) {
    return s.replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'").replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
      .replace(/[\u2010-\u2015\u2212]/g, "-").replace(/\s/g, " ");
  }
  function canonical(s) {
    return s.normalize("NFC").split(/\n\s*\n/).map(function (p) { return p.replace(/\s+/g, " ").trim(); })
      .filter(Boolean).join("\n\n");
  }
  function agree(a, b, backwards) {
    var n = 0, i = a.length - 1, j = b.length - 1;
    if (!backwards) { i = j = 0; }
    while (n < CONTEXT && (backwards ? i >= 0 && j >= 0 : i < a.length && j < b.length) && a[i] === b[j]) {
      n++; if (backwards) { i--; j--; } else { i++; j++; }
    }
    return n;
  }
  // Where the note's quote is in the page: every occurrence, scored on its context and distance.
  function locate(page, passage) {
    var hay = fold(page.text), quote = fold(passage.exact);
    if (!quote.trim()) return null;
    var best = null, from = 0, i;
    while ((i = hay.indexOf(quote, from)) !== -1) {
      var score = agree(hay.slice(Math.max(0, i - CONTEXT), i), fold(passage.prefix || ""), true) +
        agree(hay.slice(i + quote.length, i + quote.length + CONTEXT), fold(passage.suffix || ""), false) -
        Math.abs(i - (passage.start || 0)) / 10000;
      if (!best || score > best.score) best = { start: i, end: i + quote.length, score: score };
      from = i + 1;
    }
    return best;
  }
  // Wraps page characters [start, end) in marks, one per text node they touch.
  function mark(page, start, end, id) {
    var spans = [];
    for (var i = start; i < end; i++) {
      var w = page.at[i];
      if (!w) continue;
      var last = spans[spans.length - 1];
      if (last && last.node === w[0]) last.end = w[1] + 1;
      else spans.push({ node: w[0], start: w[1], end: w[1] + 1 });
    }
    var marks = [];
    spans.forEach(function (s) {
      var r = document.createRange();
      r.setStart(s.node, s.start);
      r.setEnd(s.node, s.end);
      var m = el("mark", { "data-errata-note": String(id) });
      try { r.surroundContents(m); marks.push(m); } catch (e) { /* a node that cannot be split */ }
    });
    return marks;
  }

  // ---- the corrections box --------------------------------------------------------------------
  function formatDate(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    try { return d.toLocaleDateString(LANG, { year: "numeric", month: "long", day: "numeric" }); }
    catch (e) { return d.toISOString().slice(0, 10); }
  }
  var ALLOWED = { P: 1, A: 1, STRONG: 1, EM: 1, B: 1, I: 1, CODE: 1, PRE: 1, UL: 1, OL: 1, LI: 1, BLOCKQUOTE: 1, BR: 1, DEL: 1, S: 1, SUP: 1, SUB: 1 };
  // The note's HTML (already sanitised by the server) rebuilt from an allowlist of plain elements:
  // no attribute but a link's http(s) address survives, and anything else becomes its text.
  function noteBody(html) {
    var parsed = new DOMParser().parseFromString("<body>" + html, "text/html").body;
    var out = el("div", { class: "body" });
    (function copy(from, to) {
      for (var c = from.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) to.appendChild(document.createTextNode(c.data));
        else if (c.nodeType === 1) {
          var tag = c.tagName.toUpperCase();
          if (tag === "SCRIPT" || tag === "STYLE") continue;
          if (!ALLOWED[tag]) { copy(c, to); continue; }
          var e = document.createElement(tag);
          if (tag === "A") {
            var href = c.getAttribute("href") || "";
            if (/^(https?:|mailto:)/i.test(href)) e.setAttribute("href", href);
            e.setAttribute("rel", "noopener noreferrer nofollow");
          }
          to.appendChild(e);
          copy(c, e);
        }
      }
    })(parsed, out);
    return out;
  }
  function noteElement(n) {
    var kids = [
      el("p", null, [el("span", { class: "kind", text: kindWord(n.kind) }),
        el("time", { datetime: n.published_at, text: formatDate(n.published_at) })]),
    ];
    // A retracted note stays in the box, saying so and why, never read as a live correction.
    var gone = n.status === "retracted";
    if (gone) kids.push(el("p", { class: "retracted" }, [el("strong", { text: T("widget-retracted") }), document.createTextNode(" " + (n.retraction_reason || ""))]));
    if (n.wrong) kids.push(el("p", null, [document.createTextNode(T("widget-was") + " "), el("span", { class: "was", text: n.wrong })]));
    if (n.right) kids.push(el("p", null, [document.createTextNode(T("widget-now") + " "), el("span", { class: "now", text: n.right })]));
    var body = noteBody(n.body_html || "");
    if (gone) body.className += " struck";
    kids.push(body);
    kids.push(el("p", null, [el("a", { href: n.permalink, text: T("widget-permalink") })]));
    return el("article", { class: gone ? "note gone" : "note", id: "errata-note-" + n.id, tabindex: "-1", "aria-label": kindWord(n.kind) + " " + formatDate(n.published_at) }, kids);
  }
  function reportLink() {
    var a = el("a", { href: BASE + "/report?url=" + encodeURIComponent(ARTICLE) + "&lang=" + LANG, text: T("report-title") });
    a.addEventListener("click", function (ev) { ev.preventDefault(); openDialog(null, a); });
    return el("p", { class: "report" }, [a]);
  }

  var container = (attr("container") && document.querySelector(attr("container"))) ||
    document.querySelector("article") || document.body;
  var noteEls = {};

  function render(data) {
    var notes = (data && data.corrections) || [];
    var page = pageText(container);
    var places = { top: [], bottom: [] };
    notes.forEach(function (n) { (n.placement === "top" ? places.top : places.bottom).push(n); });
    var boxes = [];
    ["top", "bottom"].forEach(function (where) {
      var list = places[where];
      var withLink = REPORTING && (where === "bottom" ? true : !places.bottom.length);
      if (!list.length && !(where === "bottom" && withLink)) return;
      var h = shadowHost("errata-corrections", CSS);
      h.host.setAttribute("lang", LANG);
      var inner;
      if (list.length) {
        inner = el("section", { class: "box", role: "region", "aria-label": T("widget-corrections") },
          [el("h2", { text: T("widget-corrections") })]);
        list.forEach(function (n) { var e = noteElement(n); noteEls[n.id] = e; inner.appendChild(e); });
        if (withLink) inner.appendChild(reportLink());
      } else {
        inner = reportLink();
      }
      h.root.appendChild(inner);
      boxes.push([where, h.host]);
    });
    boxes.forEach(function (b) {
      if (b[0] === "top") container.insertBefore(b[1], container.firstChild);
      else container.appendChild(b[1]);
    });
    var marked = notes.filter(function (n) { return n.passage && n.status !== "retracted"; });
    if (marked.length) document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet(MARK_CSS)]);
    marked.forEach(function (n) {
      var hit = locate(page, n.passage);
      if (!hit) return;
      mark(page, hit.start, hit.end, n.id).forEach(function (m, i) {
        m.setAttribute("tabindex", i === 0 ? "0" : "-1");
        m.setAttribute("title", kindWord(n.kind) + ": " + T("widget-see-note"));
        m.setAttribute("aria-label", kindWord(n.kind) + ": " + m.textContent);
      });
    });
  }
  function openNote(id) {
    var e = noteEls[id];
    if (!e) return;
    e.scrollIntoView({ block: "center" });
    e.focus({ preventScroll: true });
  }
  document.addEventListener("click", function (ev) {
    var m = ev.target.closest && ev.target.closest("mark[data-errata-note]");
    if (m) openNote(m.getAttribute("data-errata-note"));
  });
  document.addEventListener("keydown", function (ev) {
    var m = ev.target.closest && ev.target.closest("mark[data-errata-note]");
    if (m && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); openNote(m.getAttribute("data-errata-note")); }
  });

  // ---- reporting a selected passage ------------------------------------------------------------
  // The selection as the server's TextQuoteSelector: the exact words and up to 32 characters of
  // context each side, in canonical text.
  function quoteOf(range) {
    var page = pageText(container), s = -1, e = -1;
    for (var i = 0; i < page.at.length; i++) {
      var w = page.at[i];
      // A character is selected when both its edges are inside the range.
      if (w && range.comparePoint(w[0], w[1]) === 0 && range.comparePoint(w[0], w[1] + 1) === 0) {
        if (s < 0) s = i;
        e = i + 1;
      }
    }
    if (s < 0 || e <= s) return null;
    return {
      exact: canonical(page.text.slice(s, e)),
      prefix: page.text.slice(Math.max(0, s - CONTEXT), s).normalize("NFC"),
      suffix: page.text.slice(e, e + CONTEXT).normalize("NFC"),
    };
  }
  var button = null, chosen = null;
  function hideButton() { if (button) button.host.remove(); }
  function selectionInArticle() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var r = sel.getRangeAt(0);
    if (!container.contains(r.commonAncestorContainer) || !sel.toString().trim()) return null;
    return r;
  }
  function showButton() {
    if (dlg && dlg.dialog.open) return;
    var r = selectionInArticle();
    if (!r) { hideButton(); return; }
    var q = quoteOf(r);
    if (!q || !q.exact) { hideButton(); return; }
    chosen = q;
    if (!button) {
      button = shadowHost("errata-report-button", BUTTON_CSS);
      button.place = new CSSStyleSheet();
      button.root.adoptedStyleSheets = button.root.adoptedStyleSheets.concat([button.place]);
      button.host.setAttribute("lang", LANG);
      var b = el("button", { type: "button", text: T("report-title") });
      b.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
      b.addEventListener("click", function () { openDialog(chosen, b); });
      button.root.appendChild(b);
    }
    var rects = r.getClientRects(), rect = rects.length ? rects[rects.length - 1] : r.getBoundingClientRect();
    var top = rect.bottom + window.scrollY + 8, left = Math.max(4, rect.left + window.scrollX);
    button.place.replaceSync(":host{all:initial!important;position:absolute!important;z-index:2147483647!important;top:" +
      Math.round(top) + "px!important;left:" + Math.round(left) + "px!important}");
    if (!button.host.isConnected) document.body.appendChild(button.host);
  }
  if (REPORTING) {
    var pending = 0;
    var later = function () { clearTimeout(pending); pending = setTimeout(showButton, 120); };
    document.addEventListener("mouseup", later);
    document.addEventListener("keyup", function (ev) { if (ev.key !== "Escape") later(); });
    document.addEventListener("selectionchange", function () { if (!(dlg && dlg.dialog.open) && !selectionInArticle()) { clearTimeout(pending); hideButton(); } });
  }

  // ---- the dialog --------------------------------------------------------------------------------
  var FIELDS = [
    // [id, label, server field prefix, control, what is wrong with it]
    ["passage", "report-passage", "passage", "textarea", "invalid-passage"],
    ["category", "report-category", "category", "select", "invalid-category"],
    ["description", "report-description", "description", "textarea", "invalid-description"],
    ["suggestion", "report-suggestion", "suggested_correction", "textarea", "invalid-suggested_correction"],
    ["evidence", "report-evidence", "evidence_urls", "textarea", "invalid-evidence_urls"],
    ["name", "report-name", "reporter.name", "text", "invalid-reporter_name"],
    ["email", "report-email", "reporter.email", "email", "invalid-reporter_email"],
  ];
  var dlg = null;
  function buildDialog() {
    var h = shadowHost("errata-dialog", DIALOG_CSS);
    h.host.setAttribute("lang", LANG);
    var d = el("dialog", { "aria-labelledby": "errata-title", "aria-modal": "true" });
    var form = el("form", { novalidate: "" });
    var alertBox = el("div", { class: "alert", role: "alert", id: "errata-alert" });
    var controls = {}, errors = {};
    form.appendChild(alertBox);
    FIELDS.forEach(function (f) {
      var c;
      if (f[3] === "select") {
        c = el("select", { id: "errata-" + f[0] }, [el("option", { value: "", text: T("report-choose") })]);
        CATEGORIES.forEach(function (k) { c.appendChild(el("option", { value: k, text: T("category-" + k) })); });
      } else if (f[3] === "textarea") c = el("textarea", { id: "errata-" + f[0], rows: f[0] === "passage" ? "3" : "4" });
      else c = el("input", { id: "errata-" + f[0], type: f[3], autocomplete: f[0] === "email" ? "email" : f[0] === "name" ? "name" : "off" });
      controls[f[0]] = c;
      errors[f[0]] = el("p", { class: "err", id: "errata-" + f[0] + "-error" });
      form.appendChild(el("label", { for: "errata-" + f[0], text: T(f[1]) }));
      if (f[0] === "evidence") form.appendChild(el("p", { class: "hint", id: "errata-evidence-hint", text: T("report-evidence-hint") }));
      form.appendChild(c);
      form.appendChild(errors[f[0]]);
    });
    var notify = el("input", { id: "errata-notify", type: "checkbox" });
    form.appendChild(el("label", { class: "check", for: "errata-notify" }, [notify, document.createTextNode(T("report-notify"))]));
    var send = el("button", { type: "submit", text: T("report-send") });
    var cancel = el("button", { type: "button", class: "plain", text: T("widget-cancel") });
    form.appendChild(el("div", { class: "actions" }, [cancel, send]));
    var done = el("div", { tabindex: "-1" });
    d.appendChild(el("h2", { id: "errata-title", text: T("report-title") }));
    d.appendChild(form);
    d.appendChild(done);
    h.root.appendChild(d);
    document.body.appendChild(h.host);

    cancel.addEventListener("click", function () { d.close(); });
    d.addEventListener("close", function () {
      var back = dlg.opener;
      dlg.opener = null;
      if (back && back.isConnected) back.focus();
      else if (back && back.host) back.host.focus();
    });
    // Focus stays inside the dialog: Tab from the last control goes to the first, and back.
    d.addEventListener("keydown", function (ev) {
      if (ev.key !== "Tab") return;
      var list = Array.prototype.filter.call(d.querySelectorAll("a[href],button,input,select,textarea,[tabindex='0']"),
        function (x) { return !x.disabled && x.offsetParent !== null; });
      if (!list.length) return;
      var first = list[0], last = list[list.length - 1], now = h.root.activeElement;
      if (ev.shiftKey && now === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && now === last) { ev.preventDefault(); first.focus(); }
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
    return { host: h.host, root: h.root, dialog: d, form: form, alert: alertBox, controls: controls, errors: errors, notify: notify, send: send, done: done, quote: null, opener: null };
  }
  function clearErrors() {
    dlg.alert.textContent = "";
    Object.keys(dlg.controls).forEach(function (k) {
      dlg.controls[k].removeAttribute("aria-invalid");
      if (k === "evidence") dlg.controls[k].setAttribute("aria-describedby", "errata-evidence-hint");
      else dlg.controls[k].removeAttribute("aria-describedby");
      dlg.errors[k].textContent = "";
    });
  }
  function fieldFor(serverField) {
    if (!serverField) return null;
    if (serverField === "reporter.notify") serverField = "reporter.email";
    for (var i = 0; i < FIELDS.length; i++) if (serverField.indexOf(FIELDS[i][2]) === 0) return FIELDS[i];
    return null;
  }
  // The server's refusal in the reader's words: what is wrong with the field, or when to retry.
  function showError(message, serverField) {
    var field = fieldFor(serverField), f = field && field[0];
    if (field) message = T(field[4]);
    dlg.alert.textContent = T("widget-not-sent", { message: message });
    if (f) {
      var c = dlg.controls[f];
      c.setAttribute("aria-invalid", "true");
      c.setAttribute("aria-describedby", ("errata-" + f + "-error " + (f === "evidence" ? "errata-evidence-hint" : "")).trim());
      dlg.errors[f].textContent = message;
      c.focus();
    }
  }
  function openDialog(quote, opener) {
    if (!dlg) dlg = buildDialog();
    var active = document.activeElement;
    // Focus returns to what opened the dialog: the box's link, or the page where the words were.
    dlg.opener = opener || (active && active !== document.body ? active : null);
    dlg.quote = quote;
    clearErrors();
    dlg.form.hidden = false;
    dlg.done.textContent = "";
    var p = dlg.controls.passage;
    if (quote) { p.value = quote.exact; p.readOnly = true; } else if (p.readOnly) { p.value = ""; p.readOnly = false; }
    if (!dlg.dialog.open) dlg.dialog.showModal();
    (quote ? dlg.controls.category : p).focus();
  }
  function submit() {
    clearErrors();
    var c = dlg.controls, q = dlg.quote;
    var exact = q ? q.exact : canonical(c.passage.value);
    var passage = { exact: exact };
    if (q) { passage.prefix = q.prefix; passage.suffix = q.suffix; }
    var body = {
      article_url: ARTICLE,
      passage: passage,
      category: c.category.value,
      description: c.description.value,
      evidence_urls: c.evidence.value.split(/\s+/).filter(Boolean),
      reporter: { name: c.name.value || null, email: c.email.value || null, notify: dlg.notify.checked },
      lang: LANG,
    };
    if (c.suggestion.value.trim()) body.suggested_correction = c.suggestion.value;
    dlg.send.disabled = true;
    // text/plain keeps this a simple request: no CORS preflight for the reader's browser.
    fetch(BASE + "/api/v1/reports", { method: "POST", headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: JSON.stringify(body), credentials: "omit" })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) { return { ok: res.ok, status: res.status, json: json }; });
      })
      .then(function (r) {
        dlg.send.disabled = false;
        if (r.ok) return sent(r.json);
        var e = (r.json && r.json.error) || {};
        var why = e.retry_after ? T("widget-too-many", { minutes: Math.max(1, Math.ceil(e.retry_after / 60)) }) :
          e.message || T("widget-server-answered", { status: r.status });
        showError(why, e.field);
      })
      .catch(function () {
        dlg.send.disabled = false;
        showError(T("widget-unreachable"), null);
      });
  }
  function sent(filed) {
    dlg.form.hidden = true;
    Object.keys(dlg.controls).forEach(function (k) { dlg.controls[k].value = ""; });
    dlg.notify.checked = false;
    var close = el("button", { type: "button", text: T("widget-close") });
    close.addEventListener("click", function () { dlg.dialog.close(); });
    dlg.done.appendChild(el("div", { role: "status" }, [
      el("p", { text: T("widget-received") }),
      el("p", { class: "ref", text: filed.reference || "" }),
      el("p", null, [el("a", { href: (filed.status_url || "#") + (filed.status_url ? "?lang=" + LANG : ""), target: "_blank", rel: "noopener", text: T("report-follow") })]),
    ]));
    dlg.done.appendChild(el("div", { class: "actions" }, [close]));
    dlg.done.focus();
  }

  fetch(BASE + "/api/v1/corrections?url=" + encodeURIComponent(ARTICLE), { credentials: "omit" })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(render, function () { render(null); });

  // ---- schema.org JSON-LD, when the publisher opts in (data-errata-jsonld="true") ----------------
  // Put into the head once; not when the page has Errata's already (marked, or naming its notes).
  function hasOurs() {
    return [].some.call(document.querySelectorAll('script[type="application/ld+json"]'), function (s) {
      return s.hasAttribute("data-errata-jsonld") || s.textContent.indexOf(BASE + "/corrections/") >= 0;
    });
  }
  if (attr("jsonld") === "true" && !hasOurs()) {
    fetch(BASE + "/api/v1/articles/jsonld?url=" + encodeURIComponent(ARTICLE), { credentials: "omit" })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (json) {
        if (!json || hasOurs()) return;
        var s = el("script", { type: "application/ld+json", "data-errata-jsonld": "" });
        s.textContent = json;
        document.head.appendChild(s);
      }, function () {});
  }
})();

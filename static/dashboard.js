// Errata dashboard: keyboard shortcuts on the queue, Markdown preview, and filling the re-attach
// field from a selection. Everything here is an enhancement; every action works without it.
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var rows = Array.prototype.slice.call(document.querySelectorAll('.queue .row'));
  var current = -1;

  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) {
      r.classList.toggle('selected', n === current);
      r.setAttribute('aria-current', n === current ? 'true' : 'false');
    });
    var link = rows[current].querySelector('a.open');
    if (link) link.focus();
  }

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function post(action, fields) {
    var f = document.createElement('form');
    f.method = 'post';
    f.action = action;
    fields.csrf_token = csrf;
    Object.keys(fields).forEach(function (k) {
      var i = document.createElement('input');
      i.type = 'hidden';
      i.name = k;
      i.value = fields[k];
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
  }

  var help = document.getElementById('shortcuts');
  var helpOpener = null;
  function showHelp() {
    helpOpener = document.activeElement;
    help.hidden = false;
    help.querySelector('[data-close]').focus();
  }
  function hideHelp() {
    help.hidden = true;
    if (helpOpener && helpOpener.focus) helpOpener.focus();
  }
  if (help) {
    help.querySelector('[data-close]').addEventListener('click', hideHelp);
  }

  function click(selector) {
    var b = document.querySelector(selector);
    if (b) { b.click(); return true; }
    return false;
  }

  document.addEventListener('keydown', function (e) {
    if (help && !help.hidden) {
      if (e.key === 'Escape' || e.key === '?') { e.preventDefault(); hideHelp(); }
      return;
    }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    var row = rows[current];
    switch (e.key) {
      case 'j': if (rows.length) { e.preventDefault(); select(current + 1); } break;
      case 'k': if (rows.length) { e.preventDefault(); select(current - 1); } break;
      case 'o': if (row) { e.preventDefault(); location.href = row.dataset.href; } break;
      case 'a':
        e.preventDefault();
        if (row) post('/dashboard/bulk', { ids: row.dataset.id, action: 'assign_me', back: location.pathname + location.search });
        else click('[data-shortcut="a"]');
        break;
      case 't':
        e.preventDefault();
        if (row) post('/dashboard/bulk', { ids: row.dataset.id, action: 'triage', back: location.pathname + location.search });
        else click('[data-shortcut="t"]');
        break;
      case 'r':
        e.preventDefault();
        if (row) location.href = row.dataset.href + '#resolve';
        else {
          var r = document.getElementById('resolution');
          if (r) { r.scrollIntoView(); r.focus(); }
        }
        break;
      case '/':
        var q = document.getElementById('q');
        if (q) { e.preventDefault(); q.focus(); q.select(); }
        break;
      case '?': if (help) { e.preventDefault(); showHelp(); } break;
    }
  });

  if (rows.length) select(0);

  // Markdown preview, rendered and sanitised by the server as on publication.
  var previewButton = document.getElementById('preview-button');
  var body = document.getElementById('body_markdown');
  var preview = document.getElementById('preview');
  if (previewButton && body && preview) {
    previewButton.hidden = false;
    previewButton.addEventListener('click', function () {
      var data = new URLSearchParams();
      data.set('body_markdown', body.value);
      fetch('/dashboard/preview', {
        method: 'POST',
        headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: data.toString(),
        credentials: 'same-origin'
      }).then(function (res) {
        if (!res.ok) throw new Error('preview ' + res.status);
        return res.text();
      }).then(function (html) {
        preview.innerHTML = html; // sanitised by the server (ammonia)
        preview.hidden = false;
      }).catch(function () {
        preview.textContent = 'The preview could not be loaded.';
        preview.hidden = false;
      });
    });
  }

  // Selecting words in the article fills the re-attach field.
  var text = document.getElementById('article-text');
  var exact = document.getElementById('exact');
  if (text && exact) {
    text.addEventListener('mouseup', function () {
      var s = window.getSelection();
      if (s && !s.isCollapsed && text.contains(s.anchorNode)) {
        exact.value = s.toString().replace(/\s+/g, ' ').trim();
        exact.closest('details').open = true;
      }
    });
  }

  // Bring the marked passage into the middle of the article's own scrolling panel.
  var mark = document.getElementById('passage');
  if (mark && text) text.scrollTop = Math.max(0, mark.offsetTop - text.offsetTop - text.clientHeight / 2);
  if (location.hash === '#resolve') {
    var res = document.getElementById('resolution');
    if (res) res.focus();
  }
})();

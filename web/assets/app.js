// mcpwatch pages: progressive enhancement only. Every page is complete without this file; with
// it, the dashboard refreshes its table from /dashboard.json, status pages show relative times, and
// an endpoint's strip of checks is one Tab stop walked with the arrow keys.
// Data only ever reaches the DOM through textContent and attribute setters, never as markup.
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var STATUSES = ['up', 'degraded', 'auth_required', 'down', 'unknown', 'paused', 'archived'];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    return node;
  }

  function utcClock(ms) {
    return new Date(ms).toISOString().slice(11, 19) + ' UTC';
  }

  function relative(ms) {
    var s = Math.round(ms / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  // --- relative times (status pages) ----------------------------------------------------------

  function refreshRelativeTimes() {
    var times = document.querySelectorAll('time[data-relative]');
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var at = Date.parse(t.getAttribute('datetime') || '');
      if (isNaN(at)) continue;
      if (!t.title) t.title = t.textContent || '';
      t.textContent = relative(Date.now() - at);
    }
  }

  // --- dashboard ------------------------------------------------------------------------------

  function pill(status, label) {
    var known = STATUSES.indexOf(status) >= 0 ? status : 'unknown';
    var span = el('span', 'pill s-' + known);
    span.setAttribute('data-status', known);
    var icon = svg('svg', { class: 'icon', 'aria-hidden': 'true', viewBox: '0 0 16 16' });
    icon.appendChild(svg('use', { href: '#i-' + known }));
    span.appendChild(icon);
    span.appendChild(el('span', 'pill-text', label));
    return span;
  }

  function sparkline(s) {
    var root = svg('svg', { class: 'spark', width: s.width, height: s.height, viewBox: '0 0 ' + s.width + ' ' + s.height, role: 'img', 'aria-label': s.label });
    var title = svg('title', {});
    title.textContent = s.label;
    root.appendChild(title);
    if (s.empty) root.appendChild(svg('line', { class: 'spark-empty', x1: 2, x2: s.width - 2, y1: s.height - 2, y2: s.height - 2 }));
    s.segments.forEach(function (points) {
      root.appendChild(svg('polyline', { class: 'spark-line', points: points }));
    });
    s.dots.forEach(function (d) {
      root.appendChild(svg('circle', { class: 'spark-dot', cx: d.x, cy: d.y, r: 1.6 }));
    });
    return root;
  }

  function row(e, registryStatus) {
    var d = e.display;
    var registry = registryStatus && Object.prototype.hasOwnProperty.call(registryStatus, e.slug) ? registryStatus[e.slug] : null;
    var tr = el('tr');
    tr.setAttribute('data-slug', e.slug);
    tr.setAttribute('data-status', e.status);

    var ep = el('td', 'ep');
    var name = el('span', 'ep-name');
    // detailPage is null unless this viewer may open the endpoint's full page.
    if (e.detailPage) {
      var link = el('a', null, e.name);
      link.setAttribute('href', e.detailPage);
      name.appendChild(link);
    } else name.textContent = e.name;
    ep.appendChild(name);
    var url = el('span', 'ep-url', e.url);
    url.title = e.url;
    ep.appendChild(url);
    if (e.tags.length > 0 || !e.public || registry) {
      var tags = el('span', 'tags');
      e.tags.forEach(function (tag) {
        tags.appendChild(el('span', 'tag', tag));
      });
      if (!e.public) tags.appendChild(el('span', 'tag tag-private', 'private'));
      if (registry) {
        var reg = el('span', 'tag tag-registry', 'registry: ' + registry);
        reg.setAttribute('data-registry-status', registry);
        tags.appendChild(reg);
      }
      ep.appendChild(tags);
    }
    tr.appendChild(ep);

    var st = el('td', 'st');
    st.appendChild(pill(e.status, d.statusLabel));
    if (e.code) st.appendChild(el('span', 'code', e.code));
    if (e.detail) st.appendChild(el('span', 'detail', e.detail));
    if (e.note) st.appendChild(el('span', 'note', e.note));
    tr.appendChild(st);

    d.uptime.forEach(function (u) {
      var td = el('td', 'num up u-' + u.level, u.text);
      td.title = u.title;
      td.setAttribute('data-window', u.window);
      tr.appendChild(td);
    });

    var lat = el('td', 'num lat');
    lat.appendChild(document.createTextNode(d.p50));
    lat.appendChild(el('span', 'sep', ' / '));
    lat.appendChild(document.createTextNode(d.p95));
    tr.appendChild(lat);

    var spark = el('td', 'sparkcell');
    spark.appendChild(sparkline(d.sparkline));
    tr.appendChild(spark);

    var cert = el('td', 'num cert c-' + d.cert.level, d.cert.text);
    cert.title = d.cert.title;
    tr.appendChild(cert);

    var srv = el('td', 'srv');
    srv.appendChild(el('span', 'srv-name', d.server));
    srv.appendChild(el('span', 'srv-meta', d.protocol + (e.toolsCount !== null ? ' · ' + d.tools + ' tools' : '')));
    tr.appendChild(srv);

    var when = el('td', 'when');
    var time = el('time', null, d.lastChecked);
    time.setAttribute('datetime', e.lastCheckedAt || '');
    time.title = d.lastCheckedTitle;
    when.appendChild(time);
    tr.appendChild(when);
    return tr;
  }

  function emptyRow(total, columns) {
    var tr = el('tr', 'empty');
    var td = el('td', null, total === 0 ? 'No endpoints yet. Add one in the configuration file or with POST /api/v1/endpoints.' : 'No endpoint matches this filter.');
    td.colSpan = columns;
    tr.appendChild(td);
    return tr;
  }

  function render(table, data) {
    var columns = table.tHead ? table.tHead.rows[0].cells.length : 11;
    var rows = data.endpoints.map(function (e) {
      return row(e, data.registryStatus);
    });
    if (rows.length === 0) rows.push(emptyRow(data.total, columns));
    var body = table.tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    rows.forEach(function (r) {
      body.appendChild(r);
    });
    var counts = document.querySelectorAll('[data-count-status]');
    for (var i = 0; i < counts.length; i++) {
      var n = data.counts[counts[i].getAttribute('data-count-status')] || 0;
      var number = counts[i].querySelector('.count-n');
      if (number) number.textContent = String(n);
      counts[i].classList.toggle('zero', n === 0);
    }
    setUpdated('Updated', data.updatedAt);
  }

  function setUpdated(prefix, iso) {
    var box = document.querySelector('[data-updated]');
    if (!box) return;
    var time = el('time', null, utcClock(Date.parse(iso)));
    time.setAttribute('datetime', iso);
    box.textContent = prefix + ' ';
    box.appendChild(time);
  }

  function startRefresh(table) {
    var url = table.getAttribute('data-refresh');
    var seconds = Number(table.getAttribute('data-refresh-seconds')) || 30;
    var busy = false;
    function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          return res.json();
        })
        .then(function (data) {
          render(table, data);
        })
        .catch(function () {
          setUpdated('Refresh failed, retrying; last try', new Date().toISOString());
        })
        .then(function () {
          busy = false;
        });
    }
    setInterval(refresh, seconds * 1000);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) refresh();
    });
  }

  // The strip of checks on an endpoint's page: one Tab stop instead of a hundred. Arrow keys, Home
  // and End move between checks, and the focused one shows its tooltip (by CSS). Without this
  // file every check is its own Tab stop, with a link to skip past them.
  function enhanceStrip(list) {
    var cells = list.querySelectorAll('li.check');
    if (cells.length === 0) return;
    for (var i = 0; i < cells.length; i++) cells[i].setAttribute('tabindex', i === cells.length - 1 ? '0' : '-1');
    list.addEventListener('keydown', function (event) {
      var current = Array.prototype.indexOf.call(cells, document.activeElement);
      if (current < 0) return;
      var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, ArrowUp: current - 1, ArrowDown: current + 1, Home: 0, End: cells.length - 1 };
      if (!Object.prototype.hasOwnProperty.call(moves, event.key)) return;
      event.preventDefault();
      var next = Math.max(0, Math.min(cells.length - 1, moves[event.key]));
      cells[current].setAttribute('tabindex', '-1');
      cells[next].setAttribute('tabindex', '0');
      cells[next].focus();
    });
    list.classList.add('strip-roving');
  }

  // Endpoint forms (/manage/endpoints): a check or an import takes seconds; while it runs the form
  // says so and a second click does not send it again. Without this file the form works the same.
  function enhanceBusyForm(form) {
    var sent = false;
    form.addEventListener('submit', function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      form.setAttribute('aria-busy', 'true');
      var button = event.submitter;
      if (button && button.getAttribute('data-busy-text')) button.textContent = button.getAttribute('data-busy-text');
    });
    // Back from the next page (bfcache): the form can be sent again.
    window.addEventListener('pageshow', function () {
      sent = false;
      form.removeAttribute('aria-busy');
    });
  }

  function start() {
    document.documentElement.classList.add('js');
    document.querySelectorAll('form[data-busy-form]').forEach(enhanceBusyForm);
    document.querySelectorAll('ol.strip').forEach(enhanceStrip);
    refreshRelativeTimes();
    setInterval(refreshRelativeTimes, 30000);
    var table = document.querySelector('table[data-refresh]');
    if (table) startRefresh(table);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

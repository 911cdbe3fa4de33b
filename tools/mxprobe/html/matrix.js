// matrix.js: draws the compatibility matrix page from the mxprobe/matrix/1 document that
// mxprobe embedded in the page's "matrix-data" JSON block. Plain DOM, no framework, no build step, no
// network (the page's Content-Security-Policy forbids every fetch anyway).
//
// Safety: much of the document comes from strangers: server banners and error texts, the
// organization names and failure reasons in TLS-RPT reports. All of it reaches the page
// through textContent, through setAttribute of plain attributes (class, title, data-*,
// aria-*) or as SVG geometry; never through innerHTML, insertAdjacentHTML, document.write,
// href/src or event-handler attributes.
//
// State (sort, filters, expanded rows) lives in the URL fragment, e.g.
//   #sort=cert_days_left&dir=asc&role=partner&tag=finance&state=incompatible&enc=failing&q=bank&expand=all
// so a link reproduces a view and a test can drive the page without clicks.
(function () {
  'use strict';

  // ---------------------------------------------------------------- DOM helpers

  const SVG_NS = 'http://www.w3.org/2000/svg';

  // Appends children: strings become text nodes, arrays are flattened, null is skipped.
  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) {
        continue;
      }
      if (Array.isArray(child)) {
        append(node, child);
      } else if (typeof child === 'object') {
        node.appendChild(child);
      } else {
        node.appendChild(document.createTextNode(String(child)));
      }
    }
    return node;
  }

  function setAttributes(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    }
  }

  // h('td', {class: 'cell'}, 'text', child, ...): an HTML element.
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttributes(node, attrs);
    return append(node, children);
  }

  // s('rect', {x: '0%'}, ...): an SVG element.
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttributes(node, attrs);
    return append(node, children);
  }

  function byId(id) {
    return document.getElementById(id);
  }

  // ---------------------------------------------------------------- values

  const list = (v) => (Array.isArray(v) ? v : []);
  const object = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
  const number = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
  const text = (v) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

  function withSeparators(n) {
    return n === null ? '—' : Math.round(n).toLocaleString('en-US');
  }

  function percent(share) {
    if (share === null) {
      return '—';
    }
    const p = 100 * share;
    // One decimal below 10%, where the difference between 0.4% and 4% matters.
    return (p !== 0 && p < 10 ? p.toFixed(1) : p.toFixed(0)) + '%';
  }

  const VERSION_RANK = { SSLv2: 1, SSLv3: 2, TLSv1: 3, 'TLSv1.1': 4, 'TLSv1.2': 5, 'TLSv1.3': 6 };
  const versionRank = (v) => VERSION_RANK[v] || 0;

  function requirementsText(r) {
    r = object(r);
    const parts = ['minimum ' + (text(r.min_version) || '?')];
    if (r.require_forward_secrecy) parts.push('forward secrecy');
    if (r.require_valid_certificate) parts.push('a valid certificate');
    if (list(r.forbidden_ciphers).length) parts.push('no ' + list(r.forbidden_ciphers).join(', '));
    if (r.honour_mta_sts) parts.push('MTA-STS honoured');
    if (r.honour_dane) parts.push('DANE honoured');
    return parts.join(', ');
  }

  // ---------------------------------------------------------------- grading
  //
  // Each cell is graded good / warn / bad / unknown / na (not applicable) and shown with a
  // symbol and a word as well as a colour, so it reads in black and white and without
  // colour vision. The judgment itself was made by mxprobe (state, encryption class,
  // blocking reasons); the page only maps it, and for versions and suites applies the same
  // rules as policy/cipher_rank to pick a colour.

  const GRADES = {
    good: { symbol: '✔', word: 'good' },
    warn: { symbol: '▲', word: 'warning' },
    bad: { symbol: '✖', word: 'bad' },
    unknown: { symbol: '?', word: 'unknown' },
    na: { symbol: '–', word: 'not applicable' },
  };

  function cell(grade, shown, title, sort) {
    return { grade: grade, text: shown, title: title || '', sort: sort === undefined ? shown : sort };
  }

  const STATE_GRADE = { compatible: 'good', partial: 'warn', incompatible: 'bad', unknown: 'unknown', 'no-mail': 'na' };
  const STATE_ORDER = ['compatible', 'partial', 'incompatible', 'unknown', 'no-mail'];
  const ENCRYPTION_GRADE = { validated: 'good', opportunistic: 'warn', failing: 'bad', unknown: 'unknown', 'no-mail': 'na' };
  const ENCRYPTION_ORDER = ['validated', 'opportunistic', 'failing', 'unknown', 'no-mail'];
  const ENCRYPTION_WORDS = {
    validated: 'authenticated and encrypted: an MTA-STS or DANE policy a sender can validate',
    opportunistic: 'encrypted when it works, but no policy tells a sender to insist',
    failing: 'a sender trying to encrypt fails',
    unknown: 'not checked',
    'no-mail': 'the domain accepts no mail (null MX)',
  };

  // A word's place in an order, for sorting; null (sorted last) for a word it does not know.
  const rank = (order, word) => (order.includes(word) ? order.indexOf(word) : null);

  const noMail = (row) => text(object(row.outbound).state) === 'no-mail';

  // The span of versions every MX accepts, from the per-MX facts, else the "accepted
  // anywhere" map.
  function versionSpan(outbound) {
    let weakest = '';
    let strongest = '';
    const consider = (v) => {
      if (!versionRank(v)) return;
      if (!weakest || versionRank(v) < versionRank(weakest)) weakest = v;
      if (!strongest || versionRank(v) > versionRank(strongest)) strongest = v;
    };
    for (const mx of list(outbound.mx)) {
      consider(text(mx.weakest_version));
      consider(text(mx.strongest_version));
    }
    if (!strongest) {
      for (const [v, accepted] of Object.entries(object(outbound.versions))) {
        if (accepted === true) consider(v);
      }
    }
    return { weakest: weakest, strongest: strongest };
  }

  function gradeVersions(row, requirements) {
    const outbound = object(row.outbound);
    const span = versionSpan(outbound);
    const perMx = list(outbound.mx)
      .filter((mx) => mx.strongest_version)
      .map((mx) => text(mx.host) + ' ' + text(mx.ip) + ': ' + text(mx.weakest_version) + '–' + text(mx.strongest_version));
    if (!span.strongest) {
      return cell(noMail(row) ? 'na' : 'unknown', '—', 'no TLS version known', null);
    }
    const shown = span.weakest === span.strongest ? span.strongest : span.weakest + '–' + span.strongest.replace('TLSv', '');
    const sort = versionRank(span.strongest) * 10 + versionRank(span.weakest);
    const min = text(object(requirements).min_version) || 'TLSv1.2';
    if (versionRank(span.strongest) < versionRank(min)) {
      return cell('bad', shown, ['best version below the required ' + min].concat(perMx).join('\n'), sort);
    }
    if (versionRank(span.weakest) < versionRank('TLSv1.2')) {
      return cell('warn', shown, ['still accepts ' + span.weakest + ' (deprecated, RFC 8996)'].concat(perMx).join('\n'), sort);
    }
    return cell('good', shown, perMx.join('\n'), sort);
  }

  // The same families policy/cipher_rank ranks lowest.
  function suiteIsBroken(name) {
    return /NULL|EXP|anon|RC4|MD5|DES-CBC3|3DES|(^|-)DES-CBC(-|$)/.test(name) || /^A(EC)?DH-/.test(name);
  }

  function suiteHasForwardSecrecy(name) {
    return name.startsWith('TLS_') || name.startsWith('ECDHE-') || name.startsWith('DHE-') || name.startsWith('EDH-');
  }

  function gradeSuite(row, requirements, key) {
    const name = text(object(row.outbound)[key]);
    if (!name) {
      return cell(noMail(row) ? 'na' : 'unknown', '—', 'no suite known', null);
    }
    const forbidden = list(object(requirements).forbidden_ciphers).find((f) => f && name.includes(f));
    if (forbidden) {
      return cell('bad', name, 'matches a forbidden suite of our requirements (' + forbidden + ')');
    }
    if (suiteIsBroken(name)) {
      return cell('bad', name, 'a broken suite family (RC4, 3DES, NULL, export or anonymous)');
    }
    if (!suiteHasForwardSecrecy(name)) {
      return cell('warn', name, 'no forward secrecy (static RSA key exchange)');
    }
    return cell('good', name, 'forward secrecy');
  }

  function gradeCertDays(row) {
    const outbound = object(row.outbound);
    const days = number(outbound.cert_days_left);
    const perMx = list(outbound.mx)
      .filter((mx) => number(mx.cert_days_left) !== null)
      .map((mx) => text(mx.host) + ' ' + text(mx.ip) + ': ' + mx.cert_days_left + ' days');
    if (days === null) {
      return cell(noMail(row) ? 'na' : 'unknown', '—', 'no certificate seen', null);
    }
    const title = ['the soonest expiry among the MX certificates'].concat(perMx).join('\n');
    if (days < 0) return cell('bad', days + ' (expired)', title, days);
    if (days <= 30) return cell('warn', String(days), title, days);
    return cell('good', String(days), title, days);
  }

  function gradeMtaSts(row) {
    const sts = object(row.mta_sts);
    const mode = text(sts.mode) || text(object(row.outbound).mta_sts_mode);
    const details = [sts.id ? 'policy id ' + text(sts.id) : '', text(sts.result_type), text(sts.error)].filter(Boolean);
    if (mode === 'enforce') return cell('good', 'enforce', details.join('\n'), 0);
    if (mode === 'testing') return cell('warn', 'testing', ['senders report but do not insist'].concat(details).join('\n'), 1);
    if (mode === 'none') return cell('na', 'none', ['policy withdrawn (mode none)'].concat(details).join('\n'), 2);
    if (sts.result_type) return cell('bad', 'broken', details.join('\n'), 3);
    return cell('na', '—', 'no MTA-STS policy', 4);
  }

  const DANE_TYPES = ['tlsa-invalid', 'dnssec-invalid', 'dane-required'];

  function gradeDane(row) {
    const dane = text(object(row.outbound).dane);
    const failing = list(row.result_types).filter((t) => DANE_TYPES.includes(t));
    if (failing.length) return cell('bad', dane || 'failing', 'fails: ' + failing.join(', '), 3);
    if (dane === 'all') return cell('good', 'all', 'TLSA records for every MX', 0);
    if (dane === 'partial') return cell('warn', 'partial', 'TLSA records for some MX hosts only', 1);
    if (dane === 'none') return cell('na', 'none', 'no TLSA records', 2);
    return cell(noMail(row) ? 'na' : 'unknown', dane || '—', '', 4);
  }

  function gradeFailureRate(row) {
    const inbound = row.inbound;
    if (!inbound || typeof inbound !== 'object') {
      return cell('na', '—', 'TLS-RPT reports are about our own domains', null);
    }
    const sessions = number(inbound.sessions) || 0;
    const failures = number(inbound.failures) || 0;
    if (sessions === 0) return cell('unknown', 'no reports', 'no TLS-RPT report spoke of this domain', null);
    const rate = number(inbound.failure_rate) === null ? failures / sessions : inbound.failure_rate;
    const types = Object.entries(object(inbound.failure_types)).map(([t, n]) => t + ': ' + withSeparators(n));
    const title = [withSeparators(failures) + ' of ' + withSeparators(sessions) + ' reported sessions failed'].concat(types).join('\n');
    if (failures === 0) return cell('good', '0%', title, 0);
    return cell(rate < 0.1 ? 'warn' : 'bad', percent(rate), title, rate);
  }

  function gradeSessions(row) {
    const inbound = row.inbound;
    if (!inbound || typeof inbound !== 'object') return cell('na', '—', '', null);
    const n = number(inbound.sessions);
    return cell(n ? 'na' : 'unknown', withSeparators(n), withSeparators(number(inbound.reports)) + ' report(s)', n);
  }

  function gradeResultTypes(row) {
    const types = list(row.result_types).map(text);
    const explanations = row.inbound ? list(row.inbound.explanations).map((e) => text(e.text)) : [];
    if (!types.length) {
      const checked = ['compatible', 'partial', 'incompatible'].includes(text(object(row.outbound).state));
      return cell(checked ? 'good' : 'na', 'none', explanations.join('\n'), '');
    }
    return cell('bad', types.join(', '), explanations.concat(list(object(row.outbound).blocking).map(text)).join('\n'));
  }

  // ---------------------------------------------------------------- columns

  // key: the name in the URL (#sort=key); cell(row): what the cell shows and how it sorts.
  function columns(requirements) {
    return [
      { key: 'domain', label: 'Domain', cell: (r) => cell('na', text(r.domain), text(r.name), text(r.domain)) },
      { key: 'name', label: 'Name', cell: (r) => cell('na', text(r.name)) },
      { key: 'role', label: 'Role', cell: (r) => cell('na', text(r.role)) },
      { key: 'tags', label: 'Tags', cell: (r) => cell('na', list(r.tags).map(text).join(', ')) },
      {
        key: 'encryption', label: 'Encryption',
        cell: (r) => {
          const c = text(r.encryption);
          return cell(ENCRYPTION_GRADE[c] || 'unknown', c || '—', ENCRYPTION_WORDS[c] || '', rank(ENCRYPTION_ORDER, c));
        },
      },
      {
        key: 'state', label: 'Outbound',
        cell: (r) => {
          const o = object(r.outbound);
          const st = text(o.state);
          const blocking = list(o.blocking).map(text);
          const title = blocking.length ? blocking.join('\n') : st === 'compatible' ? 'every MX meets our requirements' : '';
          return cell(STATE_GRADE[st] || 'unknown', st || '—', title, rank(STATE_ORDER, st));
        },
      },
      { key: 'versions', label: 'TLS versions', cell: (r) => gradeVersions(r, requirements) },
      { key: 'cipher_weakest', label: 'Weakest suite', breakable: true, cell: (r) => gradeSuite(r, requirements, 'ciphers_weakest') },
      { key: 'cipher_strongest', label: 'Strongest suite', breakable: true, cell: (r) => gradeSuite(r, requirements, 'ciphers_strongest') },
      { key: 'cert_days_left', label: 'Cert days', numeric: true, cell: gradeCertDays },
      { key: 'mta_sts', label: 'MTA-STS', cell: gradeMtaSts },
      { key: 'dane', label: 'DANE', cell: gradeDane },
      { key: 'failure_rate', label: 'Inbound failures', numeric: true, cell: gradeFailureRate },
      { key: 'sessions', label: 'Sessions', numeric: true, cell: gradeSessions },
      { key: 'result_types', label: 'Result types', cell: gradeResultTypes },
    ];
  }

  // ---------------------------------------------------------------- URL state

  const STATE_KEYS = ['sort', 'dir', 'q', 'role', 'tag', 'state', 'enc', 'expand'];

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const view = {};
    for (const key of STATE_KEYS) {
      view[key] = params.get(key) || '';
    }
    view.dir = view.dir === 'desc' ? 'desc' : 'asc';
    return view;
  }

  function writeHash(view) {
    const params = new URLSearchParams();
    for (const key of STATE_KEYS) {
      if (view[key] && !(key === 'dir' && (!view.sort || view.dir === 'asc'))) {
        params.set(key, view[key]);
      }
    }
    // Commas are fine in a fragment and keep "expand=a.example,b.example" readable.
    const hash = params.toString().replace(/%2C/g, ',');
    const url = location.href.replace(/#.*$/, '') + (hash ? '#' + hash : '');
    try {
      // replaceState does not fire hashchange, so this does not loop back into readHash.
      history.replaceState(null, '', url);
    } catch (e) {
      location.hash = hash;
    }
  }

  // ---------------------------------------------------------------- the grid

  function renderHead(cols, onSort) {
    const head = byId('matrix-head');
    head.appendChild(h('th', { scope: 'col', class: 'col-expand' }, h('span', { class: 'sr' }, 'Details')));
    for (const col of cols) {
      const button = h('button', { type: 'button', class: 'sort', 'data-sort': col.key }, col.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }));
      button.addEventListener('click', () => onSort(col.key));
      head.appendChild(h('th', { scope: 'col', 'data-col': col.key, class: col.numeric ? 'numeric' : '' }, button));
    }
  }

  function renderCell(col, c) {
    const grade = GRADES[c.grade] ? c.grade : 'unknown';
    const td = h('td', { 'data-col': col.key, 'data-grade': grade, class: 'cell ' + grade + (col.numeric ? ' numeric' : ''), title: c.title || null });
    if (grade !== 'na') {
      td.appendChild(h('span', { class: 'sym', role: 'img', 'aria-label': GRADES[grade].word + ':' }, GRADES[grade].symbol));
      // A no-break space keeps the symbol with its word when the cell wraps.
      td.appendChild(document.createTextNode('\u00a0'));
    }
    if (col.breakable) {
      // Long suite names wrap at their separators (<wbr>), not mid-word, and copy unchanged.
      c.text.split(/(?<=[-_])/).forEach((part, i) => {
        if (i) td.appendChild(document.createElement('wbr'));
        td.appendChild(document.createTextNode(part));
      });
    } else {
      td.appendChild(document.createTextNode(c.text));
    }
    return td;
  }

  // Everything the search box looks through for one row.
  function haystack(row) {
    const o = object(row.outbound);
    const parts = [row.domain, row.name, row.role, row.encryption, o.state].concat(list(row.tags), list(row.result_types), list(o.blocking));
    for (const mx of list(o.mx)) {
      parts.push(mx.host, mx.ip);
      parts.push(...list(mx.blocking), ...list(mx.notes));
    }
    if (row.inbound) {
      parts.push(...Object.keys(object(row.inbound.organizations)));
      for (const e of list(row.inbound.explanations)) parts.push(e.text);
    }
    return parts.map(text).join('\n').toLowerCase();
  }

  function buildRows(doc, cols) {
    const body = byId('matrix-body');
    return list(doc.rows).map((row, index) => {
      const cells = cols.map((col) => col.cell(row));
      const detailsId = 'details-' + index;
      const expander = h('button', { type: 'button', class: 'expander', 'aria-expanded': 'false', 'aria-controls': detailsId, 'aria-label': 'Evidence for ' + text(row.domain) }, '▸');
      const tr = h('tr', { class: 'row', 'data-domain': text(row.domain), 'data-index': index },
        h('td', { class: 'col-expand' }, expander), cols.map((col, i) => renderCell(col, cells[i])));
      // The details cell is filled when first opened (or printed): a matrix of thousands of
      // partners then costs one row each, not a few dozen nodes of evidence each.
      const details = h('tr', { class: 'details', id: detailsId, 'data-domain': text(row.domain), hidden: true },
        h('td', { colspan: cols.length + 1 }));
      body.appendChild(tr);
      body.appendChild(details);
      return { row: row, index: index, cells: cells, tr: tr, details: details, expander: expander, text: haystack(row), filled: false };
    });
  }

  function fillDetails(entry) {
    if (!entry.filled) {
      entry.details.firstChild.appendChild(renderDetails(entry.row));
      entry.filled = true;
    }
  }

  function compareEntries(a, b, index, dir) {
    const x = a.cells[index].sort;
    const y = b.cells[index].sort;
    // Missing values go last whichever way the column is sorted.
    const xMissing = x === null || x === undefined;
    const yMissing = y === null || y === undefined;
    if (xMissing !== yMissing) return xMissing ? 1 : -1;
    let order = 0;
    if (!xMissing) {
      if (typeof x === 'number' && typeof y === 'number') order = x - y;
      else order = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
    }
    if (dir === 'desc') order = -order;
    // Ties keep the document's order, so a sort is stable and predictable.
    return order || a.index - b.index;
  }

  function matches(entry, view) {
    const row = entry.row;
    if (view.role && text(row.role) !== view.role) return false;
    if (view.tag && !list(row.tags).includes(view.tag)) return false;
    if (view.state && text(object(row.outbound).state) !== view.state) return false;
    if (view.enc && text(row.encryption) !== view.enc) return false;
    if (view.q && !entry.text.includes(view.q.toLowerCase())) return false;
    return true;
  }

  // Puts the grid in line with `view`: order, hidden rows, expanded rows, header marks.
  function applyView(entries, cols, view) {
    const index = cols.findIndex((c) => c.key === view.sort);
    const ordered = entries.slice();
    if (index >= 0) ordered.sort((a, b) => compareEntries(a, b, index, view.dir));
    const body = byId('matrix-body');
    const expanded = new Set(view.expand === 'all' ? entries.map((e) => text(e.row.domain)) : view.expand.split(',').filter(Boolean));
    let shown = 0;
    for (const entry of ordered) {
      body.appendChild(entry.tr);
      body.appendChild(entry.details);
      const visible = matches(entry, view);
      shown += visible ? 1 : 0;
      const open = visible && expanded.has(text(entry.row.domain));
      if (open) fillDetails(entry);
      entry.tr.hidden = !visible;
      entry.tr.classList.toggle('filtered', !visible);
      entry.details.classList.toggle('filtered', !visible);
      entry.details.hidden = !open;
      entry.tr.classList.toggle('open', open);
      entry.expander.setAttribute('aria-expanded', open ? 'true' : 'false');
      entry.expander.textContent = open ? '▾' : '▸';
    }
    for (const th of byId('matrix-head').querySelectorAll('th[data-col]')) {
      const sorted = th.getAttribute('data-col') === view.sort;
      if (sorted) th.setAttribute('aria-sort', view.dir === 'desc' ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
      th.querySelector('.arrow').textContent = sorted ? (view.dir === 'desc' ? ' ▼' : ' ▲') : '';
    }
    byId('shown').textContent = 'Showing ' + shown + ' of ' + entries.length + ' domains';
    // Controls follow the view (it may come from the URL); only changed ones are touched, so
    // the search box keeps its caret while the reader types.
    for (const [key, id] of [['q', 'filter-q'], ['role', 'filter-role'], ['tag', 'filter-tag'], ['state', 'filter-state'], ['enc', 'filter-enc']]) {
      if (byId(id).value !== view[key]) byId(id).value = view[key];
    }
  }

  // ---------------------------------------------------------------- row details

  function bulletList(items, empty) {
    items = items.map(text).filter(Boolean);
    if (!items.length) return h('p', { class: 'none' }, empty);
    return h('ul', {}, items.map((i) => h('li', {}, i)));
  }

  function badge(grade, word) {
    return h('span', { class: 'badge ' + grade, 'data-grade': grade }, h('span', { class: 'sym', 'aria-hidden': 'true' }, GRADES[grade].symbol), ' ' + word);
  }

  function table(headers, rows, attrs) {
    return h('table', Object.assign({ class: 'inner' }, attrs || {}),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows));
  }

  function renderMxTable(outbound) {
    const mxs = list(outbound.mx);
    if (!mxs.length) return h('p', { class: 'none' }, 'No MX host was checked.');
    return table(['MX', 'Address', 'Under our requirements', 'TLS', 'Suites (weakest / strongest)', 'Cert days', 'Blocking', 'Notes'],
      mxs.map((mx) => {
        const grade = !mx.checked ? 'unknown' : mx.compatible ? 'good' : 'bad';
        return h('tr', { class: 'mx', 'data-grade': grade },
          h('td', {}, text(mx.host)), h('td', {}, text(mx.ip)),
          h('td', {}, badge(grade, !mx.checked ? 'not checked' : mx.compatible ? 'mail can flow' : 'blocked')),
          h('td', {}, [text(mx.weakest_version), text(mx.strongest_version)].filter(Boolean).join(' – ') || '—'),
          h('td', {}, [text(mx.weakest_cipher), text(mx.strongest_cipher)].filter(Boolean).join(' / ') || '—'),
          h('td', { class: 'numeric' }, number(mx.cert_days_left) === null ? '—' : String(mx.cert_days_left)),
          h('td', {}, bulletList(list(mx.blocking), 'none')),
          h('td', {}, bulletList(list(mx.notes), '')));
      }));
  }

  const EVIDENCE = {
    reproduced: ['bad', 'reproduced'],
    'not-reproduced': ['warn', 'not reproduced'],
    'no-probe-data': ['unknown', 'no probe data'],
  };

  function renderInbound(inbound) {
    const parts = [h('h4', {}, 'Inbound: what senders reported')];
    const sessions = number(inbound.sessions) || 0;
    parts.push(h('p', {}, withSeparators(number(inbound.reports)) + ' report(s), ' + withSeparators(sessions) + ' sessions, ' +
      withSeparators(number(inbound.failures)) + ' failed (' + percent(sessions ? number(inbound.failure_rate) : null) + ').'));
    const explanations = list(inbound.explanations);
    if (explanations.length) {
      parts.push(h('ul', { class: 'explanations' }, explanations.map((e) => {
        const [grade, word] = EVIDENCE[text(e.status)] || ['unknown', text(e.status)];
        return h('li', { class: 'explanation', 'data-status': text(e.status) },
          badge(grade, word), ' ', h('span', { class: 'explanation-text' }, text(e.text)),
          h('div', { class: 'meta' },
            list(e.organizations).length ? h('span', {}, 'Reported by: ', list(e.organizations).map(text).join(', ')) : null,
            list(e.receiving_ips).length ? h('span', {}, ' · Receiving IPs: ', list(e.receiving_ips).map(text).join(', ')) : null,
            list(e.reason_codes).length ? h('span', {}, ' · Reason codes: ', list(e.reason_codes).map(text).join(', ')) : null,
            e.evidence ? h('span', {}, ' · Probe: ', text(e.evidence)) : null));
      })));
    }
    const orgs = Object.entries(object(inbound.organizations));
    if (orgs.length) {
      parts.push(table(['Reporting organization', 'Successful', 'Failed', 'Failure rate'], orgs.map(([name, c]) => {
        c = object(c);
        return h('tr', {}, h('td', {}, name), h('td', { class: 'numeric' }, withSeparators(number(c.success))),
          h('td', { class: 'numeric' }, withSeparators(number(c.failure))), h('td', { class: 'numeric' }, percent(number(c.failure_rate))));
      }), { 'aria-label': 'Reports by organization' }));
    }
    const mxs = Object.entries(object(inbound.receiving_mx));
    if (mxs.length) {
      parts.push(table(['Receiving MX', 'Failed sessions', 'Result types', 'Reported by'], mxs.map(([host, m]) => {
        m = object(m);
        return h('tr', {}, h('td', {}, host), h('td', { class: 'numeric' }, withSeparators(number(m.failures))),
          h('td', {}, Object.entries(object(m.failure_types)).map(([t, n]) => t + ' ' + withSeparators(n)).join(', ')),
          h('td', {}, list(m.organizations).map(text).join(', ')));
      }), { 'aria-label': 'Failures by receiving MX' }));
    }
    const codes = Object.entries(object(inbound.reason_codes));
    if (codes.length) {
      parts.push(h('p', { class: 'reason-codes' }, 'Reporters\u2019 failure-reason codes: ', codes.map(([code, n]) => code + ' (' + withSeparators(n) + ')').join(', ')));
    }
    return parts;
  }

  function renderDetails(row) {
    const o = object(row.outbound);
    const sts = object(row.mta_sts);
    const stsBits = [sts.mode ? 'mode ' + text(sts.mode) : 'no policy in force', sts.id ? 'id ' + text(sts.id) : '',
      sts.result_type ? 'result ' + text(sts.result_type) : '', text(sts.error)].filter(Boolean);
    return h('div', { class: 'details-body' },
      h('div', { class: 'details-head' },
        h('strong', {}, text(row.domain)), row.name && row.name !== row.domain ? ' — ' + text(row.name) : '',
        ' · route ', text(row.route) || '—', ' · verdict ', text(row.verdict) || '—',
        ' · MTA-STS: ', stsBits.join(', ')),
      h('h4', {}, 'Outbound: ', text(o.state) || 'unknown'),
      bulletList(list(o.blocking), 'No blocking reason: mail can flow under our requirements.'),
      renderMxTable(o),
      row.inbound && typeof row.inbound === 'object' ? renderInbound(row.inbound) : null,
      list(row.expiry).length ? [h('h4', {}, 'Expiry'), bulletList(list(row.expiry).map((e) =>
        text(e.what) + ' ' + text(e.host) + ': ' + text(e.at).slice(0, 10) + ' (' + e.days_left + ' days)'), '')] : null);
  }

  // ---------------------------------------------------------------- charts

  // Fills for the chart classes: colour for the screen, a distinct texture for black and
  // white print (the patterns are defined once, in the first SVG of the page).
  const FILL = { good: 'url(#fill-good)', warn: 'url(#fill-warn)', bad: 'url(#fill-bad)', unknown: 'url(#fill-unknown)' };

  function patternDefs() {
    const hatch = (id, colour, lines) => s('pattern', { id: id, width: 6, height: 6, patternUnits: 'userSpaceOnUse' },
      s('rect', { width: 6, height: 6, class: 'pat-bg ' + colour }), lines);
    return s('svg', { width: 0, height: 0, class: 'defs', 'aria-hidden': 'true', focusable: 'false' }, s('defs', {},
      hatch('fill-good', 'good', null),
      hatch('fill-warn', 'warn', s('path', { d: 'M0,6 L6,0', class: 'pat-line' })),
      hatch('fill-bad', 'bad', [s('path', { d: 'M0,6 L6,0', class: 'pat-line' }), s('path', { d: 'M0,0 L6,6', class: 'pat-line' })]),
      hatch('fill-unknown', 'unknown', s('circle', { cx: 3, cy: 3, r: 1, class: 'pat-dot' }))));
  }

  // One stacked bar: segments [{grade, value, label}], as shares of their sum.
  function stackedBar(segments, label) {
    const total = segments.reduce((sum, seg) => sum + seg.value, 0);
    const bar = s('svg', { class: 'bar', width: '100%', height: 14, role: 'img', 'aria-label': label });
    let x = 0;
    for (const seg of segments) {
      if (!seg.value || !total) continue;
      const width = (100 * seg.value) / total;
      bar.appendChild(s('rect', { x: x + '%', y: 0, width: width + '%', height: 14, fill: FILL[seg.grade], class: 'seg ' + seg.grade, 'data-grade': seg.grade },
        s('title', {}, seg.label + ': ' + withSeparators(seg.value) + ' of ' + withSeparators(total) + ' (' + percent(seg.value / total) + ')')));
      x += width;
    }
    if (!total) bar.appendChild(s('rect', { x: 0, y: 0, width: '100%', height: 14, class: 'seg empty' }));
    return bar;
  }

  function coverageSegments(c, failedKey) {
    c = object(c);
    return [
      { grade: 'good', value: number(c.validated) || 0, label: 'validated' },
      { grade: 'warn', value: number(c.opportunistic) || 0, label: 'opportunistic only' },
      { grade: 'bad', value: number(c[failedKey]) || 0, label: 'failing' },
      { grade: 'unknown', value: number(c.unknown) || 0, label: 'not checked' },
    ];
  }

  // A chart row: a label (with its total), the bar, and the figures, one line each.
  function coverageRow(name, segments, unit) {
    const total = segments.reduce((sum, seg) => sum + seg.value, 0);
    return h('div', { class: 'chart-row coverage-row', 'data-group': name },
      h('div', { class: 'chart-label' }, name, h('span', { class: 'count' }, ' ' + withSeparators(total))),
      stackedBar(segments, name + ' coverage'),
      h('div', { class: 'chart-figures' }, total ? segments.filter((seg) => seg.value).map((seg) =>
        h('span', { class: 'figure', 'data-grade': seg.grade, title: seg.label + ': ' + withSeparators(seg.value) + ' of ' + withSeparators(total) + ' ' + unit },
          h('span', { class: 'sym', role: 'img', 'aria-label': seg.label }, GRADES[seg.grade].symbol),
          '\u00a0' + withSeparators(seg.value) + '\u00a0(' + percent(seg.value / total) + ')')) : 'none'));
  }

  function chartKey(items) {
    return h('p', { class: 'chart-key' }, items.map(([grade, label]) =>
      h('span', { class: 'legend-item' }, h('span', { class: 'swatch ' + grade, 'aria-hidden': 'true' }, GRADES[grade].symbol), ' ' + label)));
  }

  function renderCoverage(doc) {
    const coverage = object(doc.coverage);
    const figure = byId('chart-coverage');
    figure.appendChild(chartKey([['good', 'validated (MTA-STS or DANE)'], ['warn', 'opportunistic only'], ['bad', 'failing'], ['unknown', 'not checked']]));
    figure.appendChild(coverageRow('Partners', coverageSegments(coverage.partners, 'failing'), 'partners'));
    for (const [tag, c] of Object.entries(object(coverage.by_tag))) {
      figure.appendChild(coverageRow('Tag ' + tag, coverageSegments(c, 'failing'), 'domains'));
    }
    if (number(object(coverage.own).total)) {
      figure.appendChild(coverageRow('Our domains', coverageSegments(coverage.own, 'failing'), 'domains'));
    }
    const sessions = object(coverage.sessions);
    figure.appendChild(coverageRow('Reported sessions', [
      { grade: 'good', value: number(sessions.validated) || 0, label: 'under an MTA-STS or DANE policy' },
      { grade: 'warn', value: number(sessions.opportunistic) || 0, label: 'opportunistic' },
      { grade: 'bad', value: number(sessions.failed) || 0, label: 'failed' },
    ], 'sessions'));
  }

  function renderFailures(doc) {
    const figure = byId('chart-failures');
    const byType = new Map();
    for (const row of list(doc.rows)) {
      if (!row.inbound) continue;
      for (const [type, n] of Object.entries(object(row.inbound.failure_types))) {
        const entry = byType.get(type) || { sessions: 0, domains: [] };
        entry.sessions += number(n) || 0;
        entry.domains.push(text(row.domain) + ' ' + withSeparators(number(n)));
        byType.set(type, entry);
      }
    }
    const types = [...byType.entries()].sort((a, b) => b[1].sessions - a[1].sessions || (a[0] < b[0] ? -1 : 1));
    if (!types.length) {
      figure.appendChild(h('p', { class: 'none' }, 'No failed session was reported.'));
      return;
    }
    const most = types[0][1].sessions || 1;
    for (const [type, entry] of types) {
      const bar = s('svg', { class: 'bar', width: '100%', height: 14, role: 'img', 'aria-label': type + ' ' + entry.sessions + ' sessions' },
        s('rect', { x: 0, y: 0, width: (100 * entry.sessions) / most + '%', height: 14, fill: FILL.bad, class: 'seg bad' },
          s('title', {}, type + ': ' + entry.domains.join(', '))));
      figure.appendChild(h('div', { class: 'chart-row failure-row', 'data-type': type },
        h('div', { class: 'chart-label' }, type), bar, h('div', { class: 'chart-figures' }, withSeparators(entry.sessions) + ' sessions')));
    }
  }

  // ---------------------------------------------------------------- expiry calendar

  const EXPIRY_PAST = -30;    // days shown left of today on the timeline
  const EXPIRY_HORIZON = 365; // days shown right of today

  function expiryGrade(days) {
    if (days < 0) return 'bad';
    if (days <= 30) return 'bad';
    if (days <= 90) return 'warn';
    return 'na';
  }

  function timelineX(days) {
    const clamped = Math.max(EXPIRY_PAST, Math.min(EXPIRY_HORIZON, days));
    return (100 * (clamped - EXPIRY_PAST)) / (EXPIRY_HORIZON - EXPIRY_PAST);
  }

  function renderExpiry(doc) {
    const section = byId('expiry');
    const entries = [];
    for (const row of list(doc.rows)) {
      for (const e of list(row.expiry)) {
        if (number(e.days_left) !== null) entries.push({ row: row, e: e });
      }
    }
    entries.sort((a, b) => a.e.days_left - b.e.days_left || (text(a.e.at) < text(b.e.at) ? -1 : 1));
    if (!entries.length) {
      section.appendChild(h('p', { class: 'none' }, 'No certificate or policy date known.'));
      byId('chart-expiry').appendChild(h('p', { class: 'none' }, 'No certificate or policy date known.'));
      return;
    }
    // A timeline from a month ago to a year ahead, with the 30- and 90-day bands shaded.
    const timeline = s('svg', { class: 'timeline', width: '100%', height: 64, role: 'img', 'aria-label': 'Expiry timeline, today to a year ahead' },
      s('rect', { x: 0, y: 8, width: timelineX(0) + '%', height: 36, class: 'band past' }),
      s('rect', { x: timelineX(0) + '%', y: 8, width: timelineX(30) - timelineX(0) + '%', height: 36, class: 'band bad' }),
      s('rect', { x: timelineX(30) + '%', y: 8, width: timelineX(90) - timelineX(30) + '%', height: 36, class: 'band warn' }),
      s('line', { x1: '0%', x2: '100%', y1: 26, y2: 26, class: 'axis' }));
    for (const [days, label] of [[0, 'today'], [30, '30 d'], [90, '90 d'], [180, '180 d'], [365, '1 year']]) {
      timeline.appendChild(s('line', { x1: timelineX(days) + '%', x2: timelineX(days) + '%', y1: 8, y2: 48, class: 'tick' }));
      timeline.appendChild(s('text', { x: timelineX(days) + '%', y: 60, class: 'tick-label', 'text-anchor': days === 365 ? 'end' : 'middle' }, label));
    }
    entries.forEach((item, i) => {
      const days = item.e.days_left;
      const grade = expiryGrade(days);
      timeline.appendChild(s('circle', { cx: timelineX(days) + '%', cy: 14 + 8 * (i % 4), r: 4, class: 'mark ' + grade, fill: FILL[grade === 'na' ? 'good' : grade] },
        s('title', {}, text(item.e.host) + ' — ' + text(item.e.what) + ': ' + text(item.e.at).slice(0, 10) + ' (' + days + ' days)')));
    });
    byId('chart-expiry').appendChild(timeline);
    const soon = entries.filter((item) => item.e.days_left <= 90).length;
    byId('chart-expiry').appendChild(h('p', { class: 'chart-legend' }, soon + ' of ' + entries.length + ' dates within 90 days; see the expiry calendar below.'));
    section.appendChild(table(['Date', 'Days left', 'What', 'Host', 'Domain'], entries.map((item) => {
      const days = item.e.days_left;
      const grade = expiryGrade(days);
      const when = days < 0 ? 'expired ' + -days + ' days ago' : days + (days <= 30 ? ' (next 30 days)' : days <= 90 ? ' (next 90 days)' : '');
      return h('tr', { class: 'expiry-row ' + grade, 'data-grade': grade, 'data-days': days },
        h('td', {}, text(item.e.at).slice(0, 10)),
        h('td', { class: 'numeric' }, grade === 'na' ? null : h('span', { class: 'sym', 'aria-hidden': 'true' }, GRADES[grade].symbol + ' '), when),
        h('td', {}, text(item.e.what)), h('td', {}, text(item.e.host)), h('td', {}, text(item.row.domain)));
    }), { id: 'expiry-table', 'aria-label': 'Expiry dates, soonest first' }));
  }

  // ---------------------------------------------------------------- what-if and reports

  function renderWhatIf(doc) {
    const w = doc.what_if;
    if (!w || typeof w !== 'object') return;
    const section = byId('what-if');
    section.hidden = false;
    const breaking = list(w.breaking);
    const partners = number(w.partners) || 0;
    byId('what-if-title').textContent = 'What if we required ' + requirementsText(w.requirements);
    section.appendChild(h('p', { class: 'what-if-lead' },
      h('strong', {}, breaking.length + ' of ' + partners + ' partners would break'),
      ': compatible now ' + withSeparators(number(w.compatible_now)) + ', after ' + withSeparators(number(w.compatible_after)) + '. ',
      'Their reported sessions: ' + withSeparators(number(w.affected_sessions)) + ' of ' + withSeparators(number(w.reported_sessions)) +
      ' (' + percent(number(w.reported_sessions) ? number(w.affected_share) : null) + ').'));
    section.appendChild(h('div', { class: 'chart-row what-if-row' }, h('div', { class: 'chart-label' }, 'Partners after'), stackedBar([
      { grade: 'good', value: number(w.compatible_after) || 0, label: 'still compatible' },
      { grade: 'bad', value: breaking.length, label: 'would break' },
      { grade: 'unknown', value: Math.max(0, partners - (number(w.compatible_after) || 0) - breaking.length), label: 'incompatible already, or not checked' },
    ], 'Partners after the change')));
    if (!breaking.length) {
      section.appendChild(h('p', { class: 'none' }, 'No partner would break.'));
      return;
    }
    section.appendChild(table(['Partner', 'Name', 'Would be blocked by', 'Reported sessions'], breaking.map((b) =>
      h('tr', { class: 'breaking', 'data-domain': text(b.domain) },
        h('td', {}, h('span', { class: 'sym', 'aria-hidden': 'true' }, '✖ '), text(b.domain)), h('td', {}, text(b.name)),
        h('td', {}, bulletList(list(b.blocking), '')), h('td', { class: 'numeric' }, withSeparators(number(b.reported_sessions))))),
    { id: 'what-if-table' }));
  }

  function renderReports(doc) {
    const r = object(doc.reports);
    const section = byId('reports');
    section.appendChild(h('p', {}, withSeparators(number(r.files)) + ' file(s) read, ' + withSeparators(number(r.reports)) +
      ' report(s), ' + withSeparators(number(r.duplicates)) + ' duplicate(s) counted once.'));
    const errors = list(r.errors);
    if (errors.length) {
      section.appendChild(h('h3', {}, errors.length + ' file(s) could not be read'));
      section.appendChild(h('ul', { class: 'report-errors' }, errors.map((e) =>
        h('li', {}, h('code', {}, text(object(e).file)), ': ', text(object(e).error)))));
    }
    const others = Object.entries(object(r.other_domains));
    if (others.length) {
      section.appendChild(h('h3', {}, 'Reported domains that are none of ours'));
      section.appendChild(table(['Policy domain', 'Sessions'], others.map(([d, n]) =>
        h('tr', {}, h('td', {}, d), h('td', { class: 'numeric' }, withSeparators(number(n)))))));
    }
  }

  function renderFacts(doc) {
    const rows = list(doc.rows);
    const partners = rows.filter((r) => r.role === 'partner').length;
    const facts = byId('facts');
    const fact = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
    append(facts, [
      fact('Generated', text(doc.generated) || 'unknown'),
      fact('Our requirements', requirementsText(doc.requirements)),
      fact('Domains', partners + ' partners, ' + (rows.length - partners) + ' of our own'),
    ]);
    if (text(doc.generated)) document.title = 'Compatibility matrix ' + text(doc.generated).slice(0, 10) + ' — mxprobe';
  }

  // ---------------------------------------------------------------- controls

  function fillSelect(id, values) {
    const select = byId(id);
    for (const v of values) select.appendChild(h('option', { value: v }, v));
  }

  function wireControls(entries, cols, view) {
    const rows = entries.map((e) => e.row);
    fillSelect('filter-tag', [...new Set(rows.flatMap((r) => list(r.tags).map(text)))].sort());
    fillSelect('filter-state', STATE_ORDER.filter((st) => rows.some((r) => object(r.outbound).state === st)));
    fillSelect('filter-enc', ENCRYPTION_ORDER.filter((c) => rows.some((r) => r.encryption === c)));

    const update = (change) => {
      Object.assign(view, change);
      writeHash(view);
      applyView(entries, cols, view);
    };
    // Enter in the search box must not submit the form (which would reload the page).
    byId('controls').addEventListener('submit', (ev) => ev.preventDefault());
    byId('filter-q').addEventListener('input', (ev) => update({ q: ev.target.value }));
    for (const [key, id] of [['role', 'filter-role'], ['tag', 'filter-tag'], ['state', 'filter-state'], ['enc', 'filter-enc']]) {
      byId(id).addEventListener('change', (ev) => update({ [key]: ev.target.value }));
    }
    byId('expand-all').addEventListener('click', () => update({ expand: 'all' }));
    byId('collapse-all').addEventListener('click', () => update({ expand: '' }));
    byId('reset').addEventListener('click', () => update({ sort: '', dir: 'asc', q: '', role: '', tag: '', state: '', enc: '', expand: '' }));

    const toggle = (entry) => {
      const domains = view.expand === 'all' ? entries.map((e) => text(e.row.domain)) : view.expand.split(',').filter(Boolean);
      const domain = text(entry.row.domain);
      const open = domains.includes(domain);
      update({ expand: (open ? domains.filter((d) => d !== domain) : domains.concat([domain])).join(',') });
    };
    for (const entry of entries) {
      entry.expander.addEventListener('click', (ev) => {
        ev.stopPropagation();
        toggle(entry);
      });
      // A click anywhere on the row opens it too, unless the reader is selecting text.
      entry.tr.addEventListener('click', () => {
        if (!String(window.getSelection ? window.getSelection() : '')) toggle(entry);
      });
    }
    // Print shows every visible row's evidence (matrix.css), so all of it must exist first.
    window.addEventListener('beforeprint', () => entries.forEach(fillDetails));
    window.addEventListener('hashchange', () => {
      Object.assign(view, readHash());
      applyView(entries, cols, view);
    });
    return (key) => update(view.sort === key ? { dir: view.dir === 'asc' ? 'desc' : 'asc' } : { sort: key, dir: 'asc' });
  }

  // ---------------------------------------------------------------- start

  function start() {
    let doc;
    try {
      doc = JSON.parse(byId('matrix-data').textContent);
    } catch (e) {
      byId('lead').textContent = 'The matrix data in this file is not valid JSON: ' + e.message;
      byId('lead').className = 'problem';
      return;
    }
    if (!doc || doc.schema !== 'mxprobe/matrix/1') {
      byId('lead').textContent = 'This page reads mxprobe/matrix/1 documents; the data says ' + text(doc && doc.schema) + '.';
      byId('lead').className = 'problem';
      return;
    }
    document.body.insertBefore(patternDefs(), document.body.firstChild);
    renderFacts(doc);
    renderCoverage(doc);
    renderFailures(doc);
    renderWhatIf(doc);
    renderExpiry(doc);
    renderReports(doc);

    const cols = columns(doc.requirements);
    const view = readHash();
    let onSort = () => {};
    renderHead(cols, (key) => onSort(key));
    const entries = buildRows(doc, cols);
    onSort = wireControls(entries, cols, view);
    applyView(entries, cols, view);
    document.documentElement.setAttribute('data-ready', 'true');
  }

  start();
})();

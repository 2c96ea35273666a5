// hoso — giao diện web (một trang, không thư viện ngoài). Every value from the server is
// put into the page with textContent or as an attribute value through the DOM, never as
// HTML, so names like `<script>` or quotes show as typed. The page talks only to this
// node's API: session cookie (HttpOnly, SameSite=Strict) plus the CSRF token in a header.
'use strict';

const S = { user: null, csrf: null, node: null, schema: null, perms: new Set(), units: [], unitById: {}, cats: {}, sync: null };

// MARK: DOM helpers

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
const main = () => $('#main');

function toast(message, bad) {
  const box = h('div', { class: bad ? 'bad' : '' }, message);
  $('#toast').append(box);
  setTimeout(() => box.remove(), bad ? 7000 : 3500);
}

let busyCount = 0, busyTimer = null;
function busy(delta) {
  busyCount += delta;
  if (busyCount > 0 && !busyTimer) busyTimer = setTimeout(() => { $('#busy').hidden = false; }, 250);
  if (busyCount <= 0) { busyCount = 0; clearTimeout(busyTimer); busyTimer = null; $('#busy').hidden = true; }
}

// MARK: Dates and values, the Vietnamese way (dd/MM/yyyy)

function fmtDate(iso, precision) {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  if (precision === 'year') return m[1];
  if (precision === 'month') return `${m[2]}/${m[1]}`;
  return `${m[3]}/${m[2]}/${m[1]}`;
}
function fmtMonth(v) { const m = /^(\d{4})-(\d{2})$/.exec(v || ''); return m ? `${m[2]}/${m[1]}` : (v || ''); }
function fmtTime(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  if (isNaN(d)) return ts;
  const p = n => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())} ${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;
}
/** dd/MM/yyyy (or d/M/yyyy, or yyyy-MM-dd) → yyyy-MM-dd; anything else is sent as typed, for the server to explain. */
function parseDate(text) {
  const t = (text || '').trim();
  if (!t) return null;
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  return m ? t : t;
}
function parseMonth(text) {
  const t = (text || '').trim();
  if (!t) return null;
  const m = /^(\d{1,2})[/.-](\d{4})$/.exec(t);
  return m ? `${m[2]}-${m[1].padStart(2, '0')}` : t;
}
function todayISO() { const d = new Date(); const p = n => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }

// MARK: API

class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `Lỗi ${status}`);
    this.status = status; this.code = error && error.code; this.fields = (error && error.fields) || [];
  }
}

async function api(method, path, body, options) {
  const opts = options || {};
  busy(+1);
  try {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && S.csrf) headers['X-CSRF-Token'] = S.csrf;
    let response;
    try {
      response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { code: 'network', message: 'Không kết nối được với máy chủ của đơn vị. Kiểm tra mạng nội bộ rồi thử lại.' });
    }
    const text = await response.text();
    let json = null;
    if (text) { try { json = JSON.parse(text); } catch (e) { json = null; } }
    if (response.status === 401 && !opts.allow401) {
      S.user = null;
      if (location.hash !== '#/login') { sessionStorage.setItem('hoso.after', location.hash); location.hash = '#/login'; }
      throw new ApiError(401, json && json.error);
    }
    if (response.status === 403 && json && json.error && json.error.code === 'password_change_required') {
      location.hash = '#/password';
      throw new ApiError(403, json.error);
    }
    if (!response.ok) throw new ApiError(response.status, json && json.error);
    return json;
  } finally { busy(-1); }
}
const GET = p => api('GET', p);
const q = params => Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function showError(e, where) {
  if (e && e.status === 401) return;
  const message = (e && e.message) || 'Có lỗi.';
  if (where) { where.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, message)); where.hidden = false; }
  else toast(message, true);
}

// MARK: Session, schema, units, catalogues

function can(permission) { return S.perms.has(permission); }
const roleScope = role => ({ admin: 'province', leader: 'province', head: 'subtree', hr: 'subtree', staff: 'own' })[role];

async function loadSession() {
  try {
    const s = await api('GET', '/api/session?optional=1', undefined, { allow401: true });
    S.user = s.user; S.csrf = s.csrf_token;
  } catch (e) { S.user = null; S.csrf = null; if (e.status !== 401) throw e; }
  if (!S.user) return false;
  if (S.user.must_change_password) return true;
  if (!S.node) S.node = await GET('/api/node');
  if (!S.schema) S.schema = await GET('/api/schema');
  const role = S.schema.roles.find(r => r.id === S.user.role);
  S.perms = new Set((role && role.permissions) || []);
  await loadUnits();
  return true;
}

async function loadUnits() {
  S.units = await GET('/api/units');
  S.unitById = {};
  for (const u of S.units) S.unitById[u.id] = u;
}
function unitName(id) { const u = S.unitById[id]; return u ? u.name : (id || ''); }
function subtreeOf(id) {
  const out = new Set([id]);
  let grew = true;
  while (grew) { grew = false; for (const u of S.units) if (u.parent_id && out.has(u.parent_id) && !out.has(u.id)) { out.add(u.id); grew = true; } }
  return out;
}
function unitsInReach() {
  if (roleScope(S.user.role) === 'province') return S.units;
  if (!S.user.unit_id) return [];
  const reach = subtreeOf(S.user.unit_id);
  return S.units.filter(u => reach.has(u.id));
}
function unitDepth(u) { let d = 0, p = u.parent_id; while (p && S.unitById[p] && d < 20) { d++; p = S.unitById[p].parent_id; } return d; }
function unitOptions(units, selected, blank) {
  const sorted = sortUnitsAsTree(units);
  return [blank ? h('option', { value: '' }, blank) : null,
    ...sorted.map(u => h('option', { value: u.id, selected: u.id === selected }, '\u00a0\u00a0'.repeat(unitDepth(u)) + u.name))];
}
function sortUnitsAsTree(units) {
  const set = new Set(units.map(u => u.id)), out = [];
  const children = {};
  for (const u of units) { const p = set.has(u.parent_id) ? u.parent_id : ''; (children[p] = children[p] || []).push(u); }
  const walk = p => { for (const u of (children[p] || []).sort((a, b) => a.name.localeCompare(b.name, 'vi'))) { out.push(u); walk(u.id); } };
  walk('');
  return out;
}

async function catalogue(id) {
  if (!S.cats[id]) {
    const entries = await GET('/api/catalogues/' + encodeURIComponent(id));
    S.cats[id] = { entries, byCode: Object.fromEntries(entries.map(e => [e.code, e.name])) };
  }
  return S.cats[id];
}
async function loadCataloguesFor(kind) {
  await Promise.all(kind.fields.filter(f => f.type === 'code').map(f => catalogue(f.catalogue)));
}
function kindNamed(name) { return S.schema.kinds.find(k => k.name === name); }
function personKind() { return kindNamed('person'); }
function subKinds() { return S.schema.kinds.filter(k => k.path); }

/** A field's value as text for reading. */
function display(field, value, record) {
  if (value === null || value === undefined || value === '') return '';
  switch (field.type) {
    case 'date': return fmtDate(value, field.name === 'birth_date' && record ? record.birth_date_precision : undefined);
    case 'month': return fmtMonth(value);
    case 'boolean': return value ? 'Có' : 'Không';
    case 'code': { const c = S.cats[field.catalogue]; return c && c.byCode[value] ? c.byCode[value] : String(value); }
    case 'choice': return ({ day: 'Đủ ngày tháng năm', month: 'Chỉ tháng và năm', year: 'Chỉ năm' })[value] || String(value);
    case 'decimal': return Number(value).toLocaleString('vi-VN');
    default: return String(value);
  }
}

// MARK: Forms from the schema

function fieldInput(field, value) {
  const id = 'f-' + field.name;
  const attrs = { id, name: field.name, 'aria-describedby': id + '-err' };
  if (field.required) attrs.required = true;
  let input;
  switch (field.type) {
    case 'code': {
      const cat = S.cats[field.catalogue] || { entries: [] };
      input = h('select', attrs, h('option', { value: '' }, '— chọn —'),
        cat.entries.filter(e => !e.valid_to || e.code === value || e.valid_to >= todayISO())
          .map(e => h('option', { value: e.code, selected: e.code === value }, e.name)));
      break;
    }
    case 'choice':
      input = h('select', attrs, h('option', { value: '' }, '— chọn —'),
        field.choices.map(c => h('option', { value: c, selected: c === value }, display(field, c))));
      break;
    case 'boolean':
      input = h('select', attrs, h('option', { value: '' }, '—'), h('option', { value: 'true', selected: value === true }, 'Có'),
        h('option', { value: 'false', selected: value === false }, 'Không'));
      break;
    case 'date':
      input = h('input', { ...attrs, type: 'text', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', autocomplete: 'off', value: fmtDate(value) });
      break;
    case 'month':
      input = h('input', { ...attrs, type: 'text', inputmode: 'numeric', placeholder: 'mm/yyyy', autocomplete: 'off', value: fmtMonth(value) });
      break;
    case 'integer': case 'year':
      input = h('input', { ...attrs, type: 'number', step: 1, min: field.min, max: field.max, value: value === null || value === undefined ? '' : value });
      break;
    case 'decimal':
      input = h('input', { ...attrs, type: 'number', step: 'any', min: field.min, max: field.max, value: value === null || value === undefined ? '' : value });
      break;
    default:
      input = field.max_length > 500
        ? h('textarea', { ...attrs, maxlength: field.max_length }, value || '')
        : h('input', { ...attrs, type: 'text', maxlength: field.max_length, value: value || '' });
  }
  const wide = field.type === 'text' && field.max_length > 500;
  return h('div', { class: 'field' + (wide ? ' wide' : ''), 'data-field': field.name },
    h('label', { for: id }, field.label, field.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    input, h('div', { class: 'error', id: id + '-err', hidden: true }));
}

function readField(form, field) {
  const el = form.elements[field.name];
  if (!el) return undefined;
  const raw = el.value.trim();
  if (raw === '') return null;
  switch (field.type) {
    case 'date': return parseDate(raw);
    case 'month': return parseMonth(raw);
    case 'integer': case 'year': return Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'decimal': return Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean': return raw === 'true';
    default: return raw;
  }
}

function clearErrors(form) {
  for (const f of $$('.field.invalid', form)) f.classList.remove('invalid');
  for (const e of $$('.field .error', form)) { e.hidden = true; e.textContent = ''; }
  const summary = $('.form-errors', form);
  if (summary) { summary.hidden = true; summary.replaceChildren(); }
}
/** Shows the API's field errors next to their fields (and the rest on top). */
function showFieldErrors(form, error) {
  clearErrors(form);
  const rest = [];
  let first = null;
  for (const fe of error.fields || []) {
    const name = String(fe.field || '').split('.').pop().replace(/\[\d+\]$/, '');
    const box = $(`.field[data-field="${CSS.escape(name)}"]`, form);
    if (box) {
      box.classList.add('invalid');
      const err = $('.error', box);
      err.textContent = (err.textContent ? err.textContent + ' ' : '') + fe.message;
      err.hidden = false;
      if (!first) first = $('input, select, textarea', box);
    } else rest.push(`${fe.field}: ${fe.message}`);
  }
  const summary = $('.form-errors', form);
  if (summary) {
    summary.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, error.message, rest.length ? h('ul', {}, rest.map(r => h('li', {}, r))) : null));
    summary.hidden = false;
  }
  if (first) first.focus();
}

function modal(title, body, actions) {
  const dialog = h('dialog', { 'aria-label': title }, h('h2', {}, title), body, h('div', { class: 'form-actions' }, actions));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  return dialog;
}

// MARK: Layout: top bar, menu, sync badge

const MENU = [
  { page: 'dossiers', label: 'Hồ sơ', show: () => roleScope(S.user.role) !== 'own' },
  { page: 'mine', label: 'Hồ sơ của tôi', show: () => roleScope(S.user.role) === 'own' },
  { page: 'handoffs', label: 'Chuyển hồ sơ', show: () => roleScope(S.user.role) !== 'own' },
  { page: 'reports', label: 'Báo cáo', show: () => can('reports.read') },
  { page: 'alerts', label: 'Cảnh báo', show: () => can('reports.read') },
  { page: 'units', label: 'Đơn vị và biên chế', show: () => can('units.manage') || can('reports.read') },
  { page: 'catalogues', label: 'Danh mục', show: () => roleScope(S.user.role) !== 'own' },
  { page: 'imports', label: 'Nhập, xuất dữ liệu', show: () => can('dossier.write') || ['admin', 'leader'].includes(S.user.role) },
  { page: 'users', label: 'Người dùng', show: () => can('users.manage') },
  { page: 'audit', label: 'Nhật ký', show: () => can('audit.read') },
  { page: 'sync', label: 'Đồng bộ', show: () => true },
  { page: 'monitor', label: 'Giám sát các nút', show: () => S.user.role === 'admin' },
  { page: 'admin', label: 'Quản trị', show: () => can('backup') },
  { page: 'password', label: 'Đổi mật khẩu', show: () => true },
];

function renderChrome(active) {
  $('#topbar').hidden = false;
  $('#node-name').textContent = S.node ? S.node.name : 'Hồ sơ điện tử';
  const role = S.schema && S.schema.roles.find(r => r.id === S.user.role);
  $('#who').textContent = `${S.user.full_name} (${S.user.username}${role ? ' — ' + role.label : ''})`;
  const menu = $('#menu');
  menu.hidden = false;
  menu.replaceChildren(...MENU.filter(m => S.schema ? m.show() : m.page === 'password').map(m => {
    const href = m.page === 'mine' ? `#/dossiers/${S.user.person_id || ''}` : `#/${m.page}`;
    const a = h('a', { href, 'data-page': m.page, class: m.page === active ? 'active' : '' }, m.label);
    if (m.page === active) a.setAttribute('aria-current', 'page');
    return a;
  }));
}

const SYNC_TEXT = {
  ok: s => `Đã đồng bộ ${fmtTime(s.last_success_at)}`,
  offline: s => `Mất kết nối — ${s.pending_changes} thay đổi đang chờ gửi, đã lưu an toàn tại máy`,
  error: () => 'Lỗi đồng bộ — cần quản trị xử lý',
  never: () => 'Chưa đồng bộ lần nào',
  standalone: () => 'Máy chủ tỉnh',
};
async function refreshSync() {
  if (!S.user || S.user.must_change_password) return;
  try {
    const s = await api('GET', '/api/sync/status', undefined, { allow401: true });
    S.sync = s;
    const badge = $('#sync-badge');
    const state = s.state === 'standalone' ? 'hub' : s.state;
    badge.className = 'sync-badge ' + state;
    badge.textContent = (SYNC_TEXT[s.state] || (() => s.state))(s);
    badge.title = s.state === 'offline' ? 'Đơn vị đang làm việc không có mạng tới cấp trên. Mọi thay đổi được lưu tại máy chủ của đơn vị và tự gửi lên khi có mạng.' : 'Tình trạng đồng bộ với cấp trên';
  } catch (e) { /* the badge keeps its last state */ }
}
setInterval(refreshSync, 15000);

// MARK: Router

const ROUTES = [
  [/^\/login$/, pageLogin, 'login'],
  [/^\/password$/, pagePassword, 'password'],
  [/^\/dossiers$/, pageDossiers, 'dossiers'],
  [/^\/dossiers\/new$/, id => pageDossierForm(null), 'dossiers'],
  [/^\/dossiers\/([\w-]+)$/, pageDossier, 'dossiers'],
  [/^\/dossiers\/([\w-]+)\/edit$/, pageDossierForm, 'dossiers'],
  [/^\/dossiers\/([\w-]+)\/print$/, pagePrint, 'dossiers'],
  [/^\/handoffs$/, pageHandoffs, 'handoffs'],
  [/^\/handoffs\/([\w-]+)$/, pageHandoff, 'handoffs'],
  [/^\/reports$/, pageReports, 'reports', 'reports.read'],
  [/^\/alerts$/, pageAlerts, 'alerts', 'reports.read'],
  [/^\/units$/, pageUnits, 'units'],
  [/^\/catalogues$/, pageCatalogues, 'catalogues'],
  [/^\/catalogues\/([\w-]+)$/, pageCatalogue, 'catalogues'],
  [/^\/imports$/, pageImports, 'imports'],
  [/^\/users$/, pageUsers, 'users', 'users.manage'],
  [/^\/audit$/, pageAudit, 'audit', 'audit.read'],
  [/^\/sync$/, pageSync, 'sync'],
  [/^\/admin$/, pageAdmin, 'admin', 'backup'],
  [/^\/monitor$/, pageMonitor, 'monitor', 'backup'],
  [/^\/monitor\/([\w-]+)$/, pageMonitorNode, 'monitor', 'backup'],
];

function hashParts() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query] = raw.split('?');
  return { path, params: new URLSearchParams(query || '') };
}

let renderSeq = 0;
async function route() {
  const seq = ++renderSeq;
  const { path, params } = hashParts();
  if (!S.user && path !== '/login') {
    let ok = false;
    try { ok = await loadSession(); } catch (e) { showError(e, main()); return; }
    if (!ok) { if (path !== '/login') sessionStorage.setItem('hoso.after', location.hash); location.hash = '#/login'; return; }
  }
  if (S.user && S.user.must_change_password && path !== '/password' && path !== '/login') { location.hash = '#/password'; return; }
  if (path === '/' || path === '') {
    location.hash = roleScope(S.user.role) === 'own' ? `#/dossiers/${S.user.person_id || ''}` : '#/dossiers';
    return;
  }
  const match = ROUTES.map(([re, fn, page, need]) => ({ m: re.exec(path), fn, page, need })).find(r => r.m);
  if (!match) { main().replaceChildren(h('h1', {}, 'Không có trang này'), h('p', {}, h('a', { href: '#/' }, 'Về trang chính'))); return; }
  if (match.page !== 'login') { renderChrome(match.page === 'dossiers' && roleScope(S.user.role) === 'own' ? 'mine' : match.page); refreshSync(); }
  if (match.need && !can(match.need)) {
    main().replaceChildren(h('h1', { tabindex: -1 }, 'Không có quyền'), h('div', { class: 'notice bad', role: 'alert' }, 'Tài khoản của bạn không được dùng chức năng này.'));
    return;
  }
  try {
    const node = await match.fn(match.m[1], params);
    if (seq !== renderSeq || !node) return;
    main().replaceChildren(node);
    const focus = $('[data-autofocus]', main()) || $('h1', main());
    if (focus) { if (focus.tagName === 'H1') focus.setAttribute('tabindex', '-1'); focus.focus({ preventScroll: false }); }
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e.status === 401) return;
    main().replaceChildren(h('h1', {}, e.status === 404 ? 'Không tìm thấy' : 'Không mở được trang'), h('div', { class: 'notice bad', role: 'alert' }, e.message || String(e)));
  }
}
window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', () => {
  $('#logout').addEventListener('click', logout);
  $('#sync-badge').addEventListener('click', () => { location.hash = '#/sync'; });
  route();
});

async function logout() {
  try { await api('DELETE', '/api/session'); } catch (e) { /* gone already */ }
  S.user = null; S.csrf = null; S.schema = null; S.cats = {};
  $('#topbar').hidden = true; $('#menu').hidden = true;
  location.hash = '#/login';
}

// MARK: Login and password

async function pageLogin() {
  $('#topbar').hidden = true; $('#menu').hidden = true;
  const error = h('div', { id: 'login-error', hidden: true });
  const form = h('form', { class: 'card login', id: 'login-form', novalidate: true },
    h('div', { class: 'inline' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'HS'),
      h('h1', {}, 'Hồ sơ điện tử cán bộ, công chức, viên chức')),
    h('p', { class: 'muted' }, 'Đăng nhập bằng tài khoản do đơn vị cấp.'),
    error,
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, 'Tên đăng nhập'),
      h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, 'data-autofocus': true })),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Mật khẩu'),
      h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit', id: 'login-submit' }, 'Đăng nhập')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    error.hidden = true;
    try {
      const s = await api('POST', '/api/session', { username: form.elements.username.value.trim(), password: form.elements.password.value }, { allow401: true });
      S.user = s.user; S.csrf = s.csrf_token; S.schema = null;
      await loadSession();
      const after = sessionStorage.getItem('hoso.after');
      sessionStorage.removeItem('hoso.after');
      location.hash = S.user.must_change_password ? '#/password' : (after && after !== '#/login' ? after : '#/');
    } catch (e) {
      form.elements.password.value = '';
      error.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, e.message || 'Không đăng nhập được.'));
      error.hidden = false;
      form.elements.password.focus();
    }
  });
  return form;
}

async function pagePassword() {
  const form = h('form', { class: 'card', id: 'password-form', novalidate: true },
    S.user.must_change_password ? h('div', { class: 'notice' }, 'Tài khoản cần đổi mật khẩu trước khi sử dụng.') : null,
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' },
      pwField('current_password', 'Mật khẩu hiện tại', 'current-password'),
      pwField('new_password', 'Mật khẩu mới (ít nhất 8 ký tự)', 'new-password'),
      pwField('confirm', 'Nhập lại mật khẩu mới', 'new-password')),
    h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit', id: 'password-submit' }, 'Đổi mật khẩu')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    if (form.elements.new_password.value !== form.elements.confirm.value) {
      showFieldErrors(form, { message: 'Mật khẩu nhập lại không khớp.', fields: [{ field: 'confirm', message: 'Không khớp với mật khẩu mới.' }] });
      return;
    }
    try {
      await api('POST', '/api/session/password', { current_password: form.elements.current_password.value, new_password: form.elements.new_password.value });
      toast('Đã đổi mật khẩu.');
      S.user = null; S.schema = null;
      await loadSession();
      location.hash = '#/';
    } catch (e) { if (e.fields.length || e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  return h('div', {}, h('h1', {}, 'Đổi mật khẩu'), form);
}
function pwField(name, label, autocomplete) {
  return h('div', { class: 'field', 'data-field': name }, h('label', { for: 'pw-' + name }, label),
    h('input', { id: 'pw-' + name, name, type: 'password', autocomplete, required: true, 'data-autofocus': name === 'current_password' }),
    h('div', { class: 'error', hidden: true }));
}

// MARK: Dossier list

async function pageDossiers(_, params) {
  if (roleScope(S.user.role) === 'own') { location.hash = `#/dossiers/${S.user.person_id || ''}`; return null; }
  const page = Number(params.get('page') || 1);
  const filter = { q: params.get('q') || '', unit_id: params.get('unit_id') || '', include_subunits: params.get('sub') === '0' ? 'false' : 'true',
                   status: params.get('status') || '' };
  let adv = {};
  try { adv = JSON.parse(params.get('adv') || '{}') || {}; } catch (e) { adv = {}; }
  await Promise.all(ADVANCED.filter(a => a.cat).map(a => catalogue(a.cat).catch(() => null)).concat([catalogue('tinh_trang_cong_tac').catch(() => null), catalogue('gioi_tinh').catch(() => null)]));
  const advanced = Object.keys(adv).length > 0;
  const criteria = () => {
    const c = { ...adv, page, per_page: 50 };
    if (filter.q) c.name = filter.q;
    if (filter.unit_id) c.unit_id = filter.unit_id;
    if (filter.status) c.employment_status = filter.status;
    return c;
  };
  const data = advanced ? await api('POST', '/api/search', criteria()) : await GET('/api/dossiers?' + q({ ...filter, page, per_page: 50 }));
  const search = h('input', { id: 'search-q', type: 'search', name: 'q', value: filter.q, placeholder: 'Họ tên (có dấu hoặc không dấu) hoặc số định danh', 'data-autofocus': true, 'aria-label': 'Tìm hồ sơ' });
  const unitSelect = h('select', { id: 'filter-unit', name: 'unit_id', 'aria-label': 'Đơn vị' }, unitOptions(unitsInReach(), filter.unit_id, 'Tất cả đơn vị trong phạm vi'));
  const statuses = S.cats.tinh_trang_cong_tac ? S.cats.tinh_trang_cong_tac.entries : [];
  const statusSelect = h('select', { id: 'filter-status', name: 'status', 'aria-label': 'Tình trạng' }, h('option', { value: '' }, 'Mọi tình trạng'),
    statuses.map(e => h('option', { value: e.code, selected: e.code === filter.status }, e.name)));
  const apply = (over) => {
    if (!search.isConnected) return;   // the user has moved on to another page
    const next = { q: search.value.trim(), unit_id: unitSelect.value, status: statusSelect.value, adv: Object.keys(adv).length ? JSON.stringify(adv) : '', ...over };
    location.hash = '#/dossiers?' + q(next);
  };
  const advForm = h('form', { id: 'advanced-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' }, ADVANCED.map(a => {
      let input;
      if (a.cat) input = h('select', {}, h('option', { value: '' }, '— tất cả —'), (S.cats[a.cat] ? S.cats[a.cat].entries : []).map(e => h('option', { value: e.code, selected: [].concat(adv[a.key] || []).includes(e.code) }, e.name)));
      else if (a.key === 'party_member') input = h('select', {}, h('option', { value: '' }, '— tất cả —'), h('option', { value: 'true', selected: adv.party_member === true }, 'Là đảng viên'), h('option', { value: 'false', selected: adv.party_member === false }, 'Không phải đảng viên'));
      else input = h('input', { type: 'number', min: 0, max: 120, value: adv[a.key] ?? '' });
      return simpleField(a.key, a.label, input);
    })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary', id: 'advanced-search' }, 'Tìm theo điều kiện'),
      h('button', { type: 'button', onclick: () => { adv = {}; apply({ page: 1 }); } }, 'Bỏ điều kiện'),
      h('button', { type: 'button', id: 'save-search', onclick: () => saveSearchDialog(criteria()) }, 'Lưu tìm kiếm này'),
      can('reports.read') ? h('button', { type: 'button', id: 'export-csv', onclick: () => exportCSV(criteria()) }, 'Xuất danh sách (CSV)') : null));
  advForm.addEventListener('submit', async ev => {
    ev.preventDefault();
    const next = {};
    for (const a of ADVANCED) {
      const v = advForm.elements[a.key].value;
      if (v === '') continue;
      next[a.key] = a.cat ? [v] : a.key === 'party_member' ? v === 'true' : Number(v);
    }
    try {
      await api('POST', '/api/search', { ...next, per_page: 1 });   // checked by the server first: errors stay on the form
      adv = next; apply({ page: 1 });
    } catch (e) { if (e.status === 422) showFieldErrors(advForm, e); else showError(e, $('.form-errors', advForm)); }
  });
  const saved = await GET('/api/searches').catch(() => []);
  const savedSelect = h('select', { id: 'saved-searches', 'aria-label': 'Tìm kiếm đã lưu' }, h('option', { value: '' }, `— tìm kiếm đã lưu (${saved.length}) —`),
    saved.map(x => h('option', { value: x.id }, x.name)));
  savedSelect.addEventListener('change', () => {
    const chosen = saved.find(x => x.id === savedSelect.value);
    if (!chosen) return;
    const c = { ...chosen.criteria };
    const next = { q: c.name || '', unit_id: c.unit_id || '', status: [].concat(c.employment_status || [])[0] || '' };
    for (const k of ['name', 'unit_id', 'include_subunits', 'employment_status', 'page', 'per_page']) delete c[k];
    location.hash = '#/dossiers?' + q({ ...next, adv: Object.keys(c).length ? JSON.stringify(c) : '' });
  });
  const deleteSaved = h('button', { type: 'button', class: 'link', onclick: async () => {
    if (!savedSelect.value) return;
    try { await api('DELETE', '/api/searches/' + encodeURIComponent(savedSelect.value)); toast('Đã xóa tìm kiếm đã lưu.'); route(); } catch (e) { showError(e); }
  } }, 'Xóa mục đã chọn');
  let timer = null;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => apply({}), 350); });
  search.addEventListener('keydown', ev => { if (ev.key === 'Enter') { clearTimeout(timer); apply({}); } });
  unitSelect.addEventListener('change', () => apply({}));
  statusSelect.addEventListener('change', () => apply({}));

  const rows = data.items.map(p => {
    const tr = h('tr', { class: 'clickable', tabindex: 0, 'data-id': p.id },
      h('td', {}, h('a', { href: `#/dossiers/${p.id}` }, p.full_name)),
      h('td', {}, fmtDate(p.birth_date)),
      h('td', {}, display({ type: 'code', catalogue: 'gioi_tinh' }, p.sex)),
      h('td', {}, p.position_title || ''),
      h('td', {}, p.unit_name || unitName(p.unit_id)),
      h('td', {}, display({ type: 'code', catalogue: 'tinh_trang_cong_tac' }, p.employment_status)));
    tr.addEventListener('click', ev => { if (ev.target.tagName !== 'A') location.hash = `#/dossiers/${p.id}`; });
    tr.addEventListener('keydown', ev => { if (ev.key === 'Enter') location.hash = `#/dossiers/${p.id}`; });
    return tr;
  });
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  return h('div', {},
    h('div', { class: 'row' }, h('h1', {}, 'Hồ sơ cán bộ, công chức, viên chức'), h('span', { class: 'spacer' }),
      can('dossier.write') ? h('button', { type: 'button', id: 'import-dossier', onclick: importDialog }, 'Nhập gói hồ sơ') : null,
      can('dossier.write') ? h('a', { class: 'button primary', href: '#/dossiers/new', id: 'new-dossier' }, 'Thêm hồ sơ') : null),
    h('div', { class: 'card row', role: 'search' },
      h('div', { class: 'field spacer' }, h('label', { for: 'search-q' }, 'Tìm kiếm'), search),
      h('div', { class: 'field' }, h('label', { for: 'filter-unit' }, 'Đơn vị'), unitSelect),
      h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Tình trạng'), statusSelect)),
    can('dossier.search') ? h('details', { class: 'card', id: 'advanced', open: advanced }, h('summary', {}, 'Tìm theo điều kiện khác' + (advanced ? ' (đang áp dụng)' : '')),
      advForm) : null,
    can('dossier.search') && saved.length ? h('div', { class: 'row saved-row' }, savedSelect, deleteSaved) : null,
    h('p', { class: 'muted', id: 'result-count' }, `${data.total.toLocaleString('vi-VN')} hồ sơ` + (filter.q ? ` khớp “${filter.q}”` : '') + (advanced ? ' theo điều kiện đã chọn' : '') + ' — sắp xếp theo tên, họ và tên đệm.'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'dossier-table' },
      h('thead', {}, h('tr', {}, ['Họ và tên', 'Ngày sinh', 'Giới tính', 'Chức vụ', 'Đơn vị', 'Tình trạng'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Không có hồ sơ nào.'))))),
    pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Trang' },
      h('button', { type: 'button', disabled: page <= 1, onclick: () => apply({ page: page - 1 }) }, '‹ Trước'),
      h('span', {}, `Trang ${page}/${pages}`),
      h('button', { type: 'button', disabled: page >= pages, onclick: () => apply({ page: page + 1 }) }, 'Sau ›')) : null);
}

const ADVANCED = [
  { key: 'sex', label: 'Giới tính', cat: 'gioi_tinh' }, { key: 'ethnicity', label: 'Dân tộc', cat: 'dan_toc' },
  { key: 'religion', label: 'Tôn giáo', cat: 'ton_giao' }, { key: 'ngach', label: 'Ngạch', cat: 'ngach' },
  { key: 'qualification', label: 'Trình độ chuyên môn', cat: 'trinh_do_chuyen_mon' },
  { key: 'political_theory', label: 'Lý luận chính trị', cat: 'ly_luan_chinh_tri' },
  { key: 'staff_category', label: 'Loại cán bộ', cat: 'loai_can_bo' },
  { key: 'party_member', label: 'Đảng viên' }, { key: 'age_min', label: 'Tuổi từ' }, { key: 'age_max', label: 'Tuổi đến' },
];

async function exportCSV(criteria) {
  const c = { ...criteria };
  delete c.page; delete c.per_page;
  busy(+1);
  try {
    const response = await fetch('/api/search/export', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': S.csrf }, body: JSON.stringify(c) });
    if (!response.ok) { let j = null; try { j = await response.json(); } catch (e) { j = null; } throw new ApiError(response.status, j && j.error); }
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: 'danh-sach-ho-so.csv' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { showError(e.status === undefined ? new ApiError(0, { message: 'Không tải được tệp.' }) : e); }
  finally { busy(-1); }
}

function saveSearchDialog(criteria) {
  const input = h('input', { maxlength: 100, id: 'saved-name' });
  const form = h('form', { novalidate: true }, h('div', { class: 'form-errors', hidden: true }), simpleField('name', 'Tên tìm kiếm', input, true));
  const ok = h('button', { class: 'primary', type: 'button', id: 'saved-submit' }, 'Lưu');
  const dialog = modal('Lưu tìm kiếm', form, [ok, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  const c = { ...criteria };
  delete c.page; delete c.per_page;
  ok.addEventListener('click', async () => {
    try { await api('POST', '/api/searches', { name: input.value.trim(), criteria: c }); dialog.close(); toast('Đã lưu tìm kiếm.'); route(); }
    catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  input.focus();
}

// MARK: Dossier page

async function loadDossier(id) {
  const d = await GET('/api/dossiers/' + encodeURIComponent(id));
  await Promise.all(S.schema.kinds.map(loadCataloguesFor));
  return d;
}

function dossierLock(d) {
  if (d.transferred_out) return { code: 'transferred_out', text: `Hồ sơ đã chuyển sang ${d.transferred_out.to_unit_name || 'đơn vị khác'} lúc ${fmtTime(d.transferred_out.at)}; bản tại đây chỉ để xem.` };
  if (d.handoff) return { code: 'frozen', text: `Hồ sơ đang trong thủ tục chuyển sang ${d.handoff.to_unit_name || 'đơn vị khác'} (${HANDOFF_STATE[d.handoff.state] || d.handoff.state}); tạm khóa, không sửa được cho đến khi hoàn tất hoặc hủy.` };
  if (d.archived_at) return { code: 'archived', text: `Hồ sơ đã lưu trữ từ ${fmtTime(d.archived_at)} (${display({ type: 'code', catalogue: 'tinh_trang_cong_tac' }, d.employment_status)}).` };
  return null;
}

async function pageDossier(id) {
  if (!id) return h('div', {}, h('h1', {}, 'Hồ sơ của tôi'), h('div', { class: 'notice' }, 'Tài khoản chưa được gắn với hồ sơ nào. Hãy liên hệ cán bộ tổ chức của đơn vị.'));
  const d = await loadDossier(id);
  const lock = dossierLock(d);
  const writable = can('dossier.write') && !lock;
  const person = personKind();
  const facts = h('dl', { class: 'facts' }, person.fields.filter(f => d[f.name] !== null && d[f.name] !== undefined && d[f.name] !== '').map(f =>
    [h('dt', {}, f.label), h('dd', { 'data-field': f.name }, display(f, d[f.name], d))]));
  const actions = h('div', { class: 'row no-print' },
    writable ? h('a', { class: 'button primary', href: `#/dossiers/${id}/edit`, id: 'edit-dossier' }, 'Sửa sơ yếu lý lịch') : null,
    h('a', { class: 'button', href: `#/dossiers/${id}/print`, id: 'print-dossier' }, 'Xem, in mẫu 2C'),
    writable ? h('button', { type: 'button', id: 'request-transfer', onclick: () => transferDialog(d) }, 'Chuyển đơn vị') : null,
    writable ? h('button', { type: 'button', id: 'record-movement', onclick: () => movementDialog(d) }, 'Nghỉ hưu, thôi việc, chuyển đi…') : null,
    can('dossier.write') ? h('a', { class: 'button', href: `/api/dossiers/${encodeURIComponent(id)}/export`, id: 'export-dossier' }, 'Xuất gói hồ sơ') : null,
    d.handoff ? h('a', { class: 'button', href: `#/handoffs/${d.handoff.id}` }, 'Xem thủ tục chuyển') : null);
  const sections = subKinds().map(kind => subTable(kind, d, writable));
  return h('div', {},
    h('h1', { id: 'dossier-title' }, d.full_name),
    h('p', { class: 'muted' }, `${d.unit_name || unitName(d.unit_id)} · Cập nhật ${fmtTime(d.updated_at)}`),
    lock ? h('div', { class: 'notice' + (lock.code === 'frozen' ? '' : ' bad'), id: 'dossier-lock', 'data-lock': lock.code }, lock.text) : null,
    actions,
    h('section', { class: 'card', 'data-kind': 'person' }, h('h2', {}, person.label + (person.form_item ? ` (mục ${person.form_item})` : '')), facts),
    sections);
}

function subTable(kind, d, writable) {
  const rows = d[kind.key] || [];
  const shown = kind.fields.filter(f => f.name !== 'person_id').slice(0, 7);
  const body = rows.map(row => h('tr', { 'data-id': row.id },
    shown.map(f => h('td', {}, display(f, row[f.name], row))),
    h('td', { class: 'no-print' }, h('button', { type: 'button', class: 'link', onclick: () => rowDetails(kind, row), 'aria-label': `Xem đầy đủ dòng ${kind.label}` }, 'Xem')),
    writable ? h('td', { class: 'no-print' },
      h('button', { type: 'button', class: 'link', onclick: () => subDialog(kind, d, row), 'aria-label': `Sửa dòng ${kind.label}` }, 'Sửa'), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => deleteSub(kind, d, row), 'aria-label': `Xóa dòng ${kind.label}` }, 'Xóa')) : null));
  return h('section', { class: 'card', 'data-kind': kind.name },
    h('div', { class: 'row' }, h('h2', {}, kind.label + (kind.form_item ? ` (mục ${kind.form_item})` : '')), h('span', { class: 'spacer' }),
      writable ? h('button', { type: 'button', class: 'add-row', onclick: () => subDialog(kind, d, null) }, 'Thêm dòng') : null),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, shown.map(f => h('th', { scope: 'col' }, f.label)), h('th', { class: 'no-print' }, ''), writable ? h('th', { class: 'no-print' }, '') : null)),
      h('tbody', {}, body))) : h('p', { class: 'muted' }, 'Chưa có.'));
}

function rowDetails(kind, row) {
  const close = h('button', { type: 'button', class: 'primary' }, 'Đóng');
  const dialog = modal(kind.label, h('dl', { class: 'facts' }, kind.fields.filter(f => f.name !== 'person_id').map(f =>
    [h('dt', {}, f.label), h('dd', {}, display(f, row[f.name], row) || '—')])), [close]);
  close.addEventListener('click', () => dialog.close());
  close.focus();
}

function subDialog(kind, d, row) {
  const form = h('form', { novalidate: true, class: 'sub-form' }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' }, kind.fields.filter(f => f.name !== 'person_id').map(f => fieldInput(f, row ? row[f.name] : null))));
  const save = h('button', { class: 'primary', type: 'button' }, 'Lưu');
  const dialog = modal((row ? 'Sửa: ' : 'Thêm: ') + kind.label, form, [save, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  const submit = async () => {
    const body = {};
    for (const f of kind.fields) {
      if (f.name === 'person_id') continue;
      const v = readField(form, f);
      if (row) { if (v !== (row[f.name] === undefined ? null : row[f.name])) body[f.name] = v; }
      else if (v !== null) body[f.name] = v;
    }
    save.disabled = true;
    try {
      const base = `/api/dossiers/${encodeURIComponent(d.id)}/${kind.path}`;
      if (row) await api('PATCH', `${base}/${encodeURIComponent(row.id)}`, body); else await api('POST', base, body);
      dialog.close();
      toast('Đã lưu.');
      route();
    } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
    finally { save.disabled = false; }
  };
  save.addEventListener('click', submit);
  form.addEventListener('submit', ev => { ev.preventDefault(); submit(); });
  const first = $('input, select, textarea', form);
  if (first) first.focus();
}

async function deleteSub(kind, d, row) {
  const ok = await confirmDialog(`Xóa dòng này khỏi “${kind.label}”?`);
  if (!ok) return;
  try { await api('DELETE', `/api/dossiers/${encodeURIComponent(d.id)}/${kind.path}/${encodeURIComponent(row.id)}`); toast('Đã xóa.'); route(); }
  catch (e) { showError(e); }
}

function confirmDialog(text) {
  return new Promise(resolve => {
    let answered = false;
    const yes = h('button', { class: 'primary', type: 'button' }, 'Đồng ý');
    const dialog = modal('Xác nhận', h('p', {}, text), [yes, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
    yes.addEventListener('click', () => { answered = true; dialog.close(); });
    dialog.addEventListener('close', () => resolve(answered));
    yes.focus();
  });
}

// MARK: Create and edit

async function pageDossierForm(id) {
  if (!can('dossier.write')) return h('div', { class: 'notice bad' }, 'Tài khoản không có quyền sửa hồ sơ.');
  const person = personKind();
  await loadCataloguesFor(person);
  let d = null;
  if (id) { d = await loadDossier(id); const lock = dossierLock(d); if (lock) return h('div', {}, h('h1', {}, d.full_name), h('div', { class: 'notice bad' }, lock.text)); }
  const unitField = id ? null : h('div', { class: 'field', 'data-field': 'unit_id' }, h('label', { for: 'f-unit_id' }, 'Đơn vị quản lý', h('span', { class: 'req' }, ' *')),
    h('select', { id: 'f-unit_id', name: 'unit_id', required: true }, unitOptions(unitsInReach(), S.user.unit_id, '— chọn đơn vị —')), h('div', { class: 'error', hidden: true }));
  const form = h('form', { id: 'dossier-form', novalidate: true },
    h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'card' }, h('div', { class: 'grid' }, unitField, person.fields.map(f => fieldInput(f, d ? d[f.name] : (f.name === 'nationality' ? 'VN' : null))))),
    h('div', { class: 'form-actions' },
      h('button', { class: 'primary', type: 'submit', id: 'save-dossier' }, id ? 'Lưu thay đổi' : 'Tạo hồ sơ'),
      h('a', { class: 'button', href: id ? `#/dossiers/${id}` : '#/dossiers' }, 'Hủy')));
  const first = $('input[name=full_name]', form);
  if (first) first.setAttribute('data-autofocus', '');
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearErrors(form);
    const body = {};
    for (const f of person.fields) {
      const v = readField(form, f);
      if (d) { const old = d[f.name] === undefined ? null : d[f.name]; if (v !== old) body[f.name] = v; }
      else if (v !== null) body[f.name] = v;
    }
    if (!d) body.unit_id = form.elements.unit_id.value || null;
    const button = $('#save-dossier', form);
    button.disabled = true;
    try {
      const saved = d ? (Object.keys(body).length ? await api('PATCH', '/api/dossiers/' + encodeURIComponent(id), body) : d)
                      : await api('POST', '/api/dossiers', body);
      toast(d ? 'Đã lưu thay đổi.' : 'Đã tạo hồ sơ.');
      location.hash = `#/dossiers/${saved.id}`;
    } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
    finally { button.disabled = false; }
  });
  return h('div', {}, h('h1', {}, id ? `Sửa hồ sơ: ${d.full_name}` : 'Thêm hồ sơ mới'),
    h('p', { class: 'muted' }, 'Ngày ghi theo dạng dd/mm/yyyy; tháng theo dạng mm/yyyy. Mục có dấu * là bắt buộc.'), form);
}

// MARK: Transfers and movements

const HANDOFF_STATE = { requested: 'Đã đề nghị', prepared: 'Đã khóa, chờ đơn vị nhận', committed: 'Đã chuyển quyền quản lý', delivered: 'Hoàn tất', aborted: 'Đã hủy' };
const ABORT_REASON = { refused: 'đơn vị nhận từ chối', cancelled: 'bên chuyển hủy', timeout: 'quá thời hạn', superseded: 'hồ sơ đã được chuyển theo thủ tục khác', dossier_deleted: 'hồ sơ đã bị xóa' };
const TRANSFER_TYPES = [['dieu_dong', 'Điều động'], ['luan_chuyen', 'Luân chuyển'], ['thuyen_chuyen', 'Thuyên chuyển'], ['biet_phai', 'Biệt phái']];

function simpleField(name, label, input, required) {
  input.id = input.id || 'x-' + name; input.name = name;
  return h('div', { class: 'field', 'data-field': name }, h('label', { for: input.id }, label, required ? h('span', { class: 'req' }, ' *') : null), input, h('div', { class: 'error', hidden: true }));
}

function transferDialog(d) {
  const targets = S.units.filter(u => u.id !== d.unit_id);
  const form = h('form', { id: 'handoff-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
    h('p', { class: 'muted' }, 'Hồ sơ sẽ bị khóa cho đến khi đơn vị nhận đồng ý và việc chuyển hoàn tất, hoặc thủ tục bị hủy.'),
    h('div', { class: 'grid' },
      simpleField('to_unit_id', 'Đơn vị nhận', h('select', {}, unitOptions(targets, '', '— chọn đơn vị —')), true),
      simpleField('event_type', 'Hình thức', h('select', {}, TRANSFER_TYPES.map(([v, l]) => h('option', { value: v }, l)))),
      simpleField('decision_no', 'Số quyết định', h('input', { maxlength: 50 })),
      simpleField('decision_date', 'Ngày ký', h('input', { placeholder: 'dd/mm/yyyy' })),
      simpleField('effective_date', 'Ngày hiệu lực', h('input', { placeholder: 'dd/mm/yyyy' })),
      simpleField('signer', 'Người ký', h('input', { maxlength: 100 })),
      simpleField('position_title', 'Chức vụ tại đơn vị mới', h('input', { maxlength: 200 })),
      simpleField('note', 'Ghi chú', h('input', { maxlength: 1000 }))));
  const send = h('button', { class: 'primary', type: 'button', id: 'handoff-submit' }, 'Gửi đề nghị chuyển');
  const dialog = modal(`Chuyển hồ sơ ${d.full_name}`, form, [send, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  send.addEventListener('click', async () => {
    const v = n => form.elements[n].value.trim() || null;
    const body = { person_id: d.id, to_unit_id: v('to_unit_id'), event_type: v('event_type'), decision_no: v('decision_no'),
                   decision_date: parseDate(v('decision_date')), effective_date: parseDate(v('effective_date')), signer: v('signer'),
                   position_title: v('position_title'), note: v('note') };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    if (!body.to_unit_id) { showFieldErrors(form, { message: 'Chưa chọn đơn vị nhận.', fields: [{ field: 'to_unit_id', message: 'Cần chọn đơn vị nhận.' }] }); return; }
    send.disabled = true;
    try {
      const handoff = await api('POST', '/api/handoffs', body);
      dialog.close();
      toast('Đã gửi đề nghị chuyển hồ sơ.');
      location.hash = `#/handoffs/${handoff.id}`;
    } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
    finally { send.disabled = false; }
  });
  form.elements.to_unit_id.focus();
}

const MOVEMENTS = [['nghi_huu', 'Nghỉ hưu'], ['thoi_viec', 'Thôi việc'], ['tu_tran', 'Từ trần'], ['chuyen_khoi_dang', 'Chuyển sang khối Đảng'], ['chuyen_ngoai_tinh', 'Chuyển ra ngoài tỉnh']];
function movementDialog(d) {
  const form = h('form', { id: 'movement-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
    h('p', { class: 'muted' }, 'Hồ sơ sẽ được lưu trữ (vẫn xem được). Chuyển sang khối Đảng hoặc ra ngoài tỉnh sẽ tạo gói hồ sơ để bàn giao.'),
    h('div', { class: 'grid' },
      simpleField('kind', 'Loại biến động', h('select', {}, MOVEMENTS.map(([v, l]) => h('option', { value: v }, l))), true),
      simpleField('effective_date', 'Ngày hiệu lực', h('input', { placeholder: 'dd/mm/yyyy' }), true),
      simpleField('decision_no', 'Số quyết định', h('input', { maxlength: 50 })),
      simpleField('decision_date', 'Ngày ký', h('input', { placeholder: 'dd/mm/yyyy' })),
      simpleField('signer', 'Người ký', h('input', { maxlength: 100 })),
      simpleField('destination', 'Nơi chuyển đến', h('input', { maxlength: 300 })),
      simpleField('note', 'Ghi chú', h('input', { maxlength: 1000 }))));
  const send = h('button', { class: 'primary', type: 'button', id: 'movement-submit' }, 'Ghi nhận');
  const dialog = modal(`Biến động: ${d.full_name}`, form, [send, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  send.addEventListener('click', async () => {
    const v = n => form.elements[n].value.trim() || null;
    const body = { kind: v('kind'), effective_date: parseDate(v('effective_date')), decision_no: v('decision_no'), decision_date: parseDate(v('decision_date')),
                   signer: v('signer'), destination: v('destination'), note: v('note') };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    send.disabled = true;
    try {
      const result = await api('POST', `/api/dossiers/${encodeURIComponent(d.id)}/movements`, body);
      dialog.close();
      if (result.package) downloadJSON(result.package, `hoso-${d.id}.json`);
      toast('Đã ghi nhận biến động.');
      route();
    } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
    finally { send.disabled = false; }
  });
}
function importDialog() {
  const file = h('input', { type: 'file', accept: '.json,application/json' });
  const form = h('form', { novalidate: true, id: 'import-form' }, h('div', { class: 'form-errors', hidden: true }),
    h('p', { class: 'muted' }, 'Gói hồ sơ do hệ thống hồ sơ điện tử nơi khác xuất ra (tệp JSON có kê khai và mã kiểm tra). Gói được kiểm tra trước khi nhập.'),
    h('div', { class: 'grid' }, simpleField('file', 'Tệp gói hồ sơ', file, true),
      simpleField('unit_id', 'Đơn vị nhận', h('select', {}, unitOptions(unitsInReach(), S.user.unit_id, '— chọn —')), true)));
  const ok = h('button', { class: 'primary', type: 'button' }, 'Kiểm tra và nhập');
  const dialog = modal('Nhập gói hồ sơ', form, [ok, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  ok.addEventListener('click', async () => {
    clearErrors(form);
    const chosen = file.files && file.files[0];
    const unit = form.elements.unit_id.value;
    if (!chosen || !unit) { showFieldErrors(form, { message: 'Chưa chọn tệp hoặc đơn vị.', fields: [!chosen ? { field: 'file', message: 'Cần chọn tệp.' } : null, !unit ? { field: 'unit_id', message: 'Cần chọn đơn vị.' } : null].filter(Boolean) }); return; }
    let body;
    try { body = JSON.parse(await chosen.text()); } catch (e) { showFieldErrors(form, { message: 'Tệp không phải JSON.', fields: [{ field: 'file', message: 'Tệp không đọc được (không phải JSON).' }] }); return; }
    try {
      const created = await api('POST', '/api/imports?unit_id=' + encodeURIComponent(unit), body);
      dialog.close();
      toast('Đã nhập hồ sơ.');
      location.hash = `#/dossiers/${created.id}`;
    } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
}

function downloadJSON(value, name) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function handoffRow(x) {
  const tr = h('tr', { class: 'clickable', tabindex: 0, 'data-id': x.id },
    h('td', {}, h('a', { href: `#/handoffs/${x.id}` }, x.person_name || x.person_id)),
    h('td', {}, x.from_unit_name || x.from_unit), h('td', {}, x.to_unit_name || x.to_unit),
    h('td', {}, h('span', { class: 'badge ' + (x.state === 'delivered' ? 'ok' : x.state === 'aborted' ? 'bad' : 'warn') }, HANDOFF_STATE[x.state] || x.state)),
    h('td', {}, fmtTime(x.requested_at)),
    h('td', {}, `${x.age_days} / ${x.deadline}`, x.overdue ? h('span', { class: 'badge bad' }, ' Quá hạn') : null));
  tr.addEventListener('click', ev => { if (ev.target.tagName !== 'A') location.hash = `#/handoffs/${x.id}`; });
  tr.addEventListener('keydown', ev => { if (ev.key === 'Enter') location.hash = `#/handoffs/${x.id}`; });
  return tr;
}

async function pageHandoffs(_, params) {
  const direction = params.get('direction') || 'in';
  const all = params.get('all') === '1';
  const list = direction === 'movements' ? [] : await GET('/api/handoffs?' + q({ direction, active: all ? 'false' : 'true' }));
  const tab = (dir, label) => h('a', { href: `#/handoffs?direction=${dir}${all ? '&all=1' : ''}`, class: dir === direction ? 'active' : '', id: 'tab-' + dir }, label);
  const tabs = h('nav', { class: 'tabs' }, tab('in', 'Chuyển đến đơn vị'), tab('out', 'Chuyển đi khỏi đơn vị'), tab('all', 'Tất cả'),
    h('a', { href: '#/handoffs?direction=movements', class: direction === 'movements' ? 'active' : '', id: 'tab-movements' }, 'Nghỉ hưu, thôi việc, chuyển đi'));
  if (direction === 'movements') {
    const moves = await GET('/api/movements');
    return h('div', {}, h('h1', {}, 'Biến động ra khỏi đơn vị'), tabs,
      h('div', { class: 'table-wrap' }, h('table', { id: 'movement-table' },
        h('thead', {}, h('tr', {}, ['Hồ sơ', 'Đơn vị', 'Biến động', 'Số quyết định', 'Ngày hiệu lực', 'Ghi nhận lúc', 'Số ngày / thời hạn'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, moves.length ? moves.map(m => h('tr', {}, h('td', {}, h('a', { href: `#/dossiers/${m.person_id}` }, m.person_name)), h('td', {}, unitName(m.unit_id)),
          h('td', {}, m.kind_name), h('td', {}, m.decision_no || ''), h('td', {}, fmtDate(m.effective_date)), h('td', {}, fmtTime(m.recorded_at)),
          h('td', {}, `${m.days_to_record} / ${m.deadline}`, m.overdue ? h('span', { class: 'badge bad' }, ' Quá hạn') : null)))
          : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'Chưa có biến động nào.'))))));
  }
  return h('div', {}, h('h1', {}, 'Chuyển hồ sơ giữa các đơn vị'), tabs,
    h('div', { class: 'inline' }, h('input', { type: 'checkbox', id: 'show-all', checked: all,
      onchange: ev => { location.hash = `#/handoffs?direction=${direction}${ev.target.checked ? '&all=1' : ''}`; } }),
      h('label', { for: 'show-all' }, 'Gồm cả thủ tục đã kết thúc')),
    h('div', { class: 'table-wrap' }, h('table', { id: 'handoff-table' },
      h('thead', {}, h('tr', {}, ['Hồ sơ', 'Từ đơn vị', 'Đến đơn vị', 'Trạng thái', 'Đề nghị lúc', 'Số ngày / thời hạn'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.length ? list.map(handoffRow) : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Không có thủ tục nào.'))))));
}

async function pageHandoff(id) {
  const x = await GET('/api/handoffs/' + encodeURIComponent(id));
  const inReach = unit => roleScope(S.user.role) === 'province' || (S.user.unit_id && subtreeOf(S.user.unit_id).has(unit));
  const open = x.state === 'requested' || x.state === 'prepared';
  const reason = h('input', { id: 'handoff-reason', maxlength: 1000, 'aria-label': 'Lý do' });
  const act = async (kind) => {
    if (kind !== 'accept' && !reason.value.trim()) { toast('Cần nêu lý do.', true); reason.focus(); return; }
    try { await api('POST', `/api/handoffs/${encodeURIComponent(id)}/${kind}`, kind === 'accept' ? {} : { reason: reason.value.trim() }); toast('Đã ghi nhận.'); route(); }
    catch (e) { showError(e); }
  };
  const canAnswer = open && can('dossier.write') && inReach(x.to_unit) && !x.accepted;
  const canCancel = open && can('dossier.write') && inReach(x.from_unit);
  const decision = x.decision || {};
  return h('div', {},
    h('h1', {}, `Chuyển hồ sơ: ${x.person_name || x.person_id}`),
    x.overdue ? h('div', { class: 'notice bad' }, `Quá thời hạn ${x.deadline}: đã ${x.age_days} ngày.`) : null,
    h('div', { class: 'card' }, h('dl', { class: 'facts', id: 'handoff-facts' },
      h('dt', {}, 'Trạng thái'), h('dd', { id: 'handoff-state', 'data-state': x.state }, (HANDOFF_STATE[x.state] || x.state) + (x.abort_reason ? ` (${ABORT_REASON[x.abort_reason] || x.abort_reason})` : '')),
      h('dt', {}, 'Ngày sinh'), h('dd', {}, fmtDate(x.birth_date)),
      h('dt', {}, 'Từ đơn vị'), h('dd', {}, x.from_unit_name || x.from_unit),
      h('dt', {}, 'Đến đơn vị'), h('dd', {}, x.to_unit_name || x.to_unit),
      h('dt', {}, 'Hình thức'), h('dd', {}, (TRANSFER_TYPES.find(t => t[0] === decision.event_type) || [, decision.event_type || ''])[1]),
      h('dt', {}, 'Quyết định'), h('dd', {}, [decision.decision_no, decision.decision_date ? 'ký ngày ' + fmtDate(decision.decision_date) : null, decision.signer].filter(Boolean).join(', ')),
      h('dt', {}, 'Ngày hiệu lực'), h('dd', {}, fmtDate(decision.effective_date)),
      h('dt', {}, 'Chức vụ mới'), h('dd', {}, decision.position_title || ''),
      h('dt', {}, 'Đơn vị nhận đã đồng ý'), h('dd', {}, x.accepted ? 'Có' : 'Chưa'),
      h('dt', {}, 'Thời gian'), h('dd', {}, `${x.age_days} ngày / thời hạn ${x.deadline}`))),
    canAnswer || canCancel ? h('div', { class: 'card' }, h('h2', {}, 'Trả lời'),
      h('div', { class: 'field' }, h('label', { for: 'handoff-reason' }, 'Lý do (khi từ chối hoặc hủy)'), reason),
      h('div', { class: 'form-actions' },
        canAnswer ? h('button', { class: 'primary', type: 'button', id: 'accept-handoff', onclick: () => act('accept') }, 'Đồng ý nhận hồ sơ') : null,
        canAnswer ? h('button', { class: 'danger', type: 'button', id: 'refuse-handoff', onclick: () => act('refuse') }, 'Từ chối') : null,
        canCancel ? h('button', { class: 'danger', type: 'button', id: 'cancel-handoff', onclick: () => act('cancel') }, 'Hủy đề nghị') : null)) : null,
    h('h2', {}, 'Các bước'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'handoff-steps' },
      h('thead', {}, h('tr', {}, ['Thời điểm', 'Bước', 'Người thực hiện', 'Ghi chú'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, x.steps.map(s => h('tr', { 'data-kind': s.kind }, h('td', {}, fmtTime(s.at)), h('td', {}, STEP_NAMES[s.kind] || s.kind),
        h('td', {}, s.username || '(tự động)'), h('td', {}, (s.data && s.data.reason) || '')))))),
    h('p', {}, h('a', { href: `#/dossiers/${x.person_id}` }, 'Mở hồ sơ')));
}
const STEP_NAMES = { request: 'Đề nghị chuyển', prepare: 'Đơn vị chuyển khóa hồ sơ', accept: 'Đơn vị nhận đồng ý', refuse: 'Đơn vị nhận từ chối', cancel: 'Hủy đề nghị', commit: 'Chuyển quyền quản lý', abort: 'Kết thúc không chuyển', deliver: 'Đơn vị nhận đã nhận hồ sơ' };

// MARK: Printable 2C-BNV/2008

async function pagePrint(id) {
  const d = await loadDossier(id);
  const f = name => display(personKind().fields.find(x => x.name === name) || { type: 'text' }, d[name], d);
  const line = (no, label, value) => h('p', {}, h('span', { class: 'item' }, `${no}) ${label}: `), value || '');
  const table = (key, headers, cells) => {
    const rows = d[key] || [];
    return h('table', {}, h('thead', {}, h('tr', {}, headers.map(t => h('th', {}, t)))),
      h('tbody', {}, rows.length ? rows.map(r => h('tr', {}, cells(r).map(c => h('td', {}, c || '')))) : h('tr', {}, h('td', { colspan: headers.length }, ''))));
  };
  const sheet = h('article', { class: 'sheet', id: 'print-sheet' },
    h('p', { class: 'form-no' }, 'Mẫu 2C-BNV/2008'),
    h('div', { class: 'heading' }, h('div', {}, 'Cơ quan quản lý: ', unitName((S.unitById[d.unit_id] || {}).parent_id) || ''), h('div', {}, 'Số hiệu cán bộ, công chức: ', d.staff_number || '')),
    h('div', {}, 'Đơn vị sử dụng: ', d.unit_name || unitName(d.unit_id)),
    h('div', { class: 'title' }, 'SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC'),
    h('div', { class: 'photo' }, 'Ảnh 4×6'),
    line(1, 'Họ và tên khai sinh (viết chữ in hoa)', (d.full_name || '').toLocaleUpperCase('vi')),
    line(2, 'Tên gọi khác', d.other_names),
    line(3, 'Sinh ngày', f('birth_date') + ', Giới tính: ' + f('sex')),
    line(4, 'Nơi sinh', d.birth_place), line(5, 'Quê quán', d.hometown),
    line(6, 'Dân tộc', f('ethnicity') + (d.religion ? ', 7) Tôn giáo: ' + f('religion') : '')),
    line(8, 'Nơi đăng ký hộ khẩu thường trú', d.permanent_address), line(9, 'Nơi ở hiện nay', d.current_address),
    line(10, 'Nghề nghiệp khi được tuyển dụng', d.occupation_before_recruitment),
    line(11, 'Ngày tuyển dụng', [f('recruitment_date'), d.recruiting_agency ? 'Cơ quan tuyển dụng: ' + d.recruiting_agency : ''].filter(Boolean).join(', ')),
    line(12, 'Chức vụ (chức danh) hiện tại', [d.position_title || f('position_code'), d.concurrent_positions ? 'kiêm ' + d.concurrent_positions : ''].filter(Boolean).join(', ')),
    line(13, 'Công việc chính được giao', d.main_duties),
    line(14, 'Ngạch công chức (viên chức)', [f('ngach'), d.salary_step ? 'Bậc lương: ' + d.salary_step : '', d.salary_coefficient ? 'Hệ số: ' + f('salary_coefficient') : '', d.salary_effective_date ? 'Ngày hưởng: ' + f('salary_effective_date') : '', d.position_allowance ? 'Phụ cấp chức vụ: ' + f('position_allowance') : '', d.other_allowances ? 'Phụ cấp khác: ' + d.other_allowances : ''].filter(Boolean).join('; ')),
    line('15.1', 'Trình độ giáo dục phổ thông', f('general_education')),
    line('15.2', 'Trình độ chuyên môn cao nhất', [f('qualification'), d.major].filter(Boolean).join(' — ')),
    line('15.3', 'Lý luận chính trị', f('political_theory')), line('15.4', 'Quản lý nhà nước', f('state_management')),
    line('15.5', 'Ngoại ngữ', d.foreign_language), line('15.6', 'Tin học', f('it_level')),
    line(16, 'Ngày vào Đảng Cộng sản Việt Nam', [f('party_join_date'), d.party_official_date ? 'Ngày chính thức: ' + f('party_official_date') : ''].filter(Boolean).join(', ')),
    line(17, 'Ngày tham gia tổ chức chính trị - xã hội', d.mass_organisations),
    line(18, 'Ngày nhập ngũ', [f('enlistment_date'), d.discharge_date ? 'Ngày xuất ngũ: ' + f('discharge_date') : '', d.military_rank ? 'Quân hàm cao nhất: ' + f('military_rank') : ''].filter(Boolean).join(', ')),
    line(19, 'Danh hiệu được phong tặng cao nhất', d.honorary_title), line(20, 'Sở trường công tác', d.work_strengths),
    line(21, 'Khen thưởng', (d.rewards || []).map(r => [r.form || r.title, r.year || fmtDate(r.decision_date)].filter(Boolean).join(' ')).join('; ')),
    line(22, 'Kỷ luật', (d.discipline || []).map(r => [r.form || r.level, r.year || fmtDate(r.decision_date)].filter(Boolean).join(' ')).join('; ')),
    line(23, 'Tình trạng sức khỏe', [d.health_status, d.height_cm ? 'Chiều cao: ' + d.height_cm + ' cm' : '', d.weight_kg ? 'Cân nặng: ' + d.weight_kg + ' kg' : '', d.blood_group ? 'Nhóm máu: ' + f('blood_group') : ''].filter(Boolean).join(', ')),
    line(24, 'Là thương binh hạng', [d.war_invalid_class, d.policy_family ? 'Là con gia đình chính sách: ' + f('policy_family') : ''].filter(Boolean).join(', ')),
    line(25, 'Số chứng minh nhân dân / căn cước', [d.personal_id, d.id_issue_date ? 'Ngày cấp: ' + f('id_issue_date') : ''].filter(Boolean).join(', ')),
    line(26, 'Số sổ BHXH', d.social_insurance_no),
    h('h3', {}, '27) ĐÀO TẠO, BỒI DƯỠNG VỀ CHUYÊN MÔN, NGHIỆP VỤ, LÝ LUẬN CHÍNH TRỊ, NGOẠI NGỮ, TIN HỌC'),
    table('training', ['Tên trường', 'Chuyên ngành', 'Từ tháng, năm — đến tháng, năm', 'Hình thức', 'Văn bằng, chứng chỉ'],
      r => [r.institution, r.major, [fmtMonth(r.from_month), fmtMonth(r.to_month)].filter(Boolean).join(' — '), r.form, r.certificate || r.level]),
    h('h3', {}, '28) TÓM TẮT QUÁ TRÌNH CÔNG TÁC'),
    table('work_history', ['Từ tháng, năm đến tháng, năm', 'Chức danh, chức vụ, đơn vị công tác'],
      r => [[fmtMonth(r.from_month), fmtMonth(r.to_month)].filter(Boolean).join(' — '), r.description]),
    h('h3', {}, '29) ĐẶC ĐIỂM LỊCH SỬ BẢN THÂN'),
    h('p', {}, d.history_detention || ''), h('p', {}, d.history_foreign_organisations || ''), h('p', {}, d.history_relatives_abroad || ''),
    h('h3', {}, '30) QUAN HỆ GIA ĐÌNH'),
    table('family', ['Mối quan hệ', 'Họ và tên', 'Năm sinh', 'Quê quán, nghề nghiệp, chức danh, chức vụ, đơn vị công tác, học tập, nơi ở'],
      r => [display({ type: 'code', catalogue: 'quan_he_gia_dinh' }, r.relation), r.full_name, r.birth_year, [r.hometown, r.occupation, r.workplace, r.address].filter(Boolean).join('; ')]),
    h('h3', {}, '31) DIỄN BIẾN QUÁ TRÌNH LƯƠNG CỦA CÁN BỘ, CÔNG CHỨC'),
    table('salary', ['Tháng/năm', 'Mã ngạch/bậc', 'Hệ số lương'],
      r => [fmtDate(r.effective_date), [r.ngach, r.step].filter(x => x !== null && x !== undefined).join('/'), r.coefficient]),
    h('h3', {}, '32) NHẬN XÉT, ĐÁNH GIÁ CỦA CƠ QUAN, ĐƠN VỊ QUẢN LÝ VÀ SỬ DỤNG CÁN BỘ, CÔNG CHỨC'),
    h('p', {}, d.assessment || ''),
    h('div', { class: 'signatures' }, h('div', {}, h('b', {}, 'Người khai'), h('br'), 'Tôi xin cam đoan những lời khai trên đây là đúng sự thật'),
      h('div', {}, '…, Ngày … tháng … năm …', h('br'), h('b', {}, 'Thủ trưởng cơ quan, đơn vị quản lý và sử dụng CBCC'))));
  return h('div', {}, h('div', { class: 'row no-print' }, h('h1', {}, 'Mẫu 2C-BNV/2008'), h('span', { class: 'spacer' }),
    h('button', { type: 'button', class: 'primary', id: 'do-print', onclick: () => window.print() }, 'In'),
    h('a', { class: 'button', href: `#/dossiers/${id}` }, 'Quay lại hồ sơ')), sheet);
}

// MARK: Monitoring of the node tree (admins)

const HEALTH = { ok: ['ok', 'Bình thường'], lagging: ['warn', 'Chậm'], offline: ['bad', 'Mất kết nối'], error: ['bad', 'Lỗi'] };
function healthBadge(state) { const [cls, label] = HEALTH[state] || ['', state]; return h('span', { class: 'badge ' + cls }, label); }

async function pageMonitor(_, params) {
  const query = q({ health: params.get('health') || '', q: params.get('q') || '', sort: params.get('sort') || 'health' });
  const [d, outages, alerts] = await Promise.all([GET('/api/monitor?' + query), GET('/api/monitor/outages').catch(() => []), GET('/api/monitor/alerts').catch(() => [])]);
  const healthSelect = h('select', { id: 'monitor-health' }, h('option', { value: '' }, 'Mọi trạng thái'),
    Object.entries(HEALTH).map(([v, [, l]]) => h('option', { value: v, selected: params.get('health') === v }, l)));
  const sortSelect = h('select', { id: 'monitor-sort' }, [['health', 'Tình trạng xấu trước'], ['name', 'Tên nút'], ['contact', 'Lâu chưa liên lạc'], ['lag', 'Nhiều thay đổi chờ']]
    .map(([v, l]) => h('option', { value: v, selected: (params.get('sort') || 'health') === v }, l)));
  const text = h('input', { id: 'monitor-q', value: params.get('q') || '', placeholder: 'Tên nút hoặc đơn vị' });
  const apply = () => { location.hash = '#/monitor?' + q({ health: healthSelect.value, sort: sortSelect.value, q: text.value.trim() }); };
  healthSelect.addEventListener('change', apply); sortSelect.addEventListener('change', apply);
  text.addEventListener('keydown', ev => { if (ev.key === 'Enter') apply(); });
  const counts = { ok: 0, lagging: 0, offline: 0, error: 0 };
  for (const n of d.nodes) counts[n.health] = (counts[n.health] || 0) + 1;
  return h('div', {}, h('h1', {}, 'Giám sát đồng bộ các nút'),
    h('p', { class: 'muted' }, `Ngưỡng: chậm sau ${d.thresholds.lagging_minutes} phút không liên lạc hoặc quá ${d.thresholds.lagging_changes} thay đổi chờ; mất kết nối sau ${d.thresholds.offline_minutes} phút. Cập nhật lúc ${fmtTime(d.generated_at)}.`),
    alerts.length ? h('div', { class: 'notice bad', role: 'alert', id: 'monitor-alerts' }, h('b', {}, `${alerts.length} cảnh báo cần xử lý`),
      h('ul', {}, alerts.map(a => h('li', {}, a.message)))) : null,
    h('div', { class: 'row' }, Object.entries(counts).map(([k, n]) => h('span', {}, healthBadge(k), ' ', n)), h('span', { class: 'spacer' }),
      h('label', { class: 'inline' }, 'Lọc ', healthSelect), h('label', { class: 'inline' }, 'Sắp xếp ', sortSelect), text),
    h('div', { class: 'card' }, h('h2', {}, 'Theo đơn vị cấp trên'), h('div', { class: 'table-wrap' }, h('table', { id: 'monitor-rollup' },
      h('thead', {}, h('tr', {}, ['Đơn vị cấp trên', 'Bình thường', 'Chậm', 'Mất kết nối', 'Lỗi', 'Tổng'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, d.rollup.map(r => h('tr', {}, h('td', {}, r.parent_unit_name), [r.ok, r.lagging, r.offline, r.error, r.total].map(n => h('td', { class: 'num' }, n)))))))),
    h('div', { class: 'table-wrap' }, h('table', { id: 'monitor-nodes' },
      h('thead', {}, h('tr', {}, ['Nút', 'Đơn vị', 'Tình trạng', 'Liên lạc gần nhất', 'Chờ gửi lên', 'Bị từ chối', 'Xung đột', 'Chuyển hồ sơ (quá hạn)', 'Phiên bản', 'Lý do'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, d.nodes.length ? d.nodes.map(n => h('tr', { 'data-health': n.health },
        h('td', {}, '\u00a0\u00a0'.repeat(Math.max(0, n.depth - 1)), h('a', { href: `#/monitor/${n.node_id}` }, n.name)),
        h('td', {}, n.unit_names.join(', ')), h('td', {}, healthBadge(n.health)),
        h('td', {}, n.last_contact_at ? `${fmtTime(n.last_contact_at)} (${n.minutes_since_contact} phút)` : 'Chưa bao giờ'),
        h('td', { class: 'num' }, (n.pending_changes ?? n.lag_up) + (n.oldest_pending_at ? ` (từ ${fmtTime(n.oldest_pending_at)})` : '')),
        h('td', { class: 'num' }, n.changes_rejected + (n.quarantined ? ` / ${n.quarantined} chờ xử lý` : '')),
        h('td', { class: 'num' }, n.open_conflicts ?? ''), h('td', { class: 'num' }, n.handoffs_in_flight === null || n.handoffs_in_flight === undefined ? '' : `${n.handoffs_in_flight} (${n.handoffs_overdue})`),
        h('td', {}, [n.software, n.schema_version].filter(Boolean).join(' / ')), h('td', {}, n.reasons.join('; '))))
        : h('tr', {}, h('td', { colspan: 10, class: 'muted' }, 'Không có nút nào.'))))),
    h('div', { class: 'card' }, h('h2', {}, 'Thời gian máy chủ này ngừng hoạt động'),
      outages.some(o => o.must_announce) ? h('div', { class: 'notice bad', role: 'alert' }, 'Có đợt ngừng hoạt động từ 2 ngày làm việc trở lên: phải thông báo cho các đơn vị.') : null,
      h('div', { class: 'table-wrap' }, h('table', { id: 'outages' },
        h('thead', {}, h('tr', {}, ['Từ', 'Đến', 'Thời lượng', 'Giờ làm việc bị mất', 'Thông báo'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, outages.length ? outages.map(o => h('tr', {}, h('td', {}, fmtTime(o.started_at)), h('td', {}, fmtTime(o.ended_at)),
          h('td', {}, o.minutes < 120 ? `${o.minutes} phút` : `${Math.round(o.minutes / 60)} giờ`), h('td', { class: 'num' }, o.working_hours_lost),
          h('td', {}, o.must_announce ? h('span', { class: 'badge bad' }, 'Phải thông báo') : '')))
          : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Chưa ghi nhận lần ngừng hoạt động nào.')))))));
}

async function pageMonitorNode(id) {
  const n = await GET('/api/monitor/nodes/' + encodeURIComponent(id));
  const rows = [['Tình trạng', healthBadge(n.health)], ['Lý do', n.reasons.join('; ') || '—'], ['Đơn vị', n.unit_names.join(', ')],
    ['Liên lạc gần nhất', n.last_contact_at ? fmtTime(n.last_contact_at) : 'Chưa bao giờ'], ['Gửi lên gần nhất', fmtTime(n.last_push_at) || '—'],
    ['Nhận về gần nhất', fmtTime(n.last_pull_at) || '—'], ['Thay đổi chưa lên cấp trên', n.lag_up], ['Chờ gửi (nút báo)', n.pending_changes ?? '—'],
    ['Lỗi gần nhất', n.last_error || '—'], ['Phần mềm / lược đồ', [n.software, n.schema_version].filter(Boolean).join(' / ') || '—'],
    ['Thông tin nhận lúc', fmtTime(n.reported_at) || '—']];
  return h('div', {}, h('h1', {}, `Nút ${n.name}`), h('p', {}, h('a', { href: '#/monitor' }, '← Tất cả các nút')),
    h('div', { class: 'card' }, h('dl', { class: 'facts', id: 'monitor-node' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    h('div', { class: 'card' }, h('h2', {}, 'Lịch sử đồng bộ gần đây'), n.history_note ? h('p', { class: 'muted' }, n.history_note) : null,
      h('div', { class: 'table-wrap' }, h('table', { id: 'monitor-history' },
        h('thead', {}, h('tr', {}, ['Lúc', 'Loại', 'Chi tiết'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, n.history.length ? n.history.map(e => h('tr', { class: e.kind === 'error' ? 'overdue' : '' }, h('td', {}, fmtTime(e.at)),
          h('td', {}, ({ hello: 'Kết nối', push: 'Gửi lên', error: 'Lỗi' })[e.kind] || e.kind), h('td', {}, e.detail)))
          : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Chưa có.')))))));
}

// MARK: Reports and alerts

const REPORTS = [
  ['bm01', 'Biểu 01/BNV — Số lượng, chất lượng công chức từ cấp huyện trở lên'],
  ['bm02', 'Biểu 02/BNV — Số lượng, chất lượng cán bộ, công chức cấp xã'],
  ['bm03', 'Biểu 03/BNV — Danh sách và tiền lương công chức từ cấp huyện trở lên'],
  ['bm04', 'Biểu 04/BNV — Danh sách và tiền lương cán bộ, công chức cấp xã'],
  ['staffing', 'Biên chế được giao và hiện có'],
  ['alerts', 'Danh sách cảnh báo'],
  ['compliance', 'Thời hạn cập nhật hồ sơ, chuyển hồ sơ, báo cáo định kỳ (theo đơn vị)'],
  ['custom', 'Báo cáo tự chọn (tiêu chí, nhóm, cột)'],
];
const GROUPS = [['unit', 'Đơn vị'], ['sex', 'Giới tính'], ['age_band', 'Độ tuổi'], ['grade_equivalent', 'Ngạch tương đương'], ['ngach', 'Ngạch'],
  ['qualification', 'Trình độ chuyên môn'], ['political_theory', 'Lý luận chính trị'], ['state_management', 'Quản lý nhà nước'],
  ['ethnicity', 'Dân tộc'], ['religion', 'Tôn giáo'], ['party_member', 'Đảng viên'], ['staff_category', 'Loại cán bộ'],
  ['employment_status', 'Tình trạng công tác'], ['position_code', 'Chức vụ'], ['birth_year', 'Năm sinh']];
const LIST_COLUMNS = [['full_name', 'Họ và tên'], ['birth_date', 'Ngày sinh'], ['sex', 'Giới tính'], ['unit', 'Đơn vị'], ['position_title', 'Chức vụ'],
  ['ngach', 'Ngạch'], ['salary_step', 'Bậc'], ['salary_coefficient', 'Hệ số'], ['qualification', 'Trình độ chuyên môn'],
  ['political_theory', 'Lý luận chính trị'], ['party_join_date', 'Ngày vào Đảng'], ['age', 'Tuổi'], ['retirement_date', 'Ngày nghỉ hưu'],
  ['grade_time', 'Thời gian giữ ngạch'], ['personal_id', 'Số định danh']];
const JOB_STATUS = { queued: 'Đang chờ', running: 'Đang lập', done: 'Xong', failed: 'Lỗi', cancelled: 'Đã hủy' };

function todayDisplay() {
  const d = new Date(), p = n => String(n).padStart(2, '0');
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/// A report (ReportTable JSON) as an HTML table: grouped header, numbered columns, total.
function reportTableNode(t) {
  const numeric = t.columns.map(c => c.kind !== 'text');
  const cell = (v, i, tag) => h(tag || 'td', { class: numeric[i] ? 'num' : '' },
    v === null || v === undefined ? '' : typeof v === 'number' && t.columns[i].kind === 'decimal' ? v.toFixed(2).replace('.', ',') : String(v));
  return h('div', { class: 'report' },
    t.form ? h('p', { class: 'report-form' }, h('b', {}, t.form), h('br'), t.basis || '') : null,
    h('h2', { class: 'report-title' }, t.title),
    h('div', { class: 'report-lines' }, t.lines.map(l => h('div', {}, l))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'report-table', id: 'report-table' },
      h('thead', {}, t.header.map(row => h('tr', {}, row.map(c => h('th', { scope: 'col', colspan: c.colspan > 1 ? c.colspan : null, rowspan: c.rowspan > 1 ? c.rowspan : null }, c.label)))),
        h('tr', { class: 'colnum' }, t.columns.map((_, i) => h('th', {}, `(${i + 1})`)))),
      h('tbody', {}, t.rows.length ? t.rows.map(r => h('tr', {}, r.map((v, i) => cell(v, i)))) : h('tr', {}, h('td', { colspan: t.columns.length, class: 'muted' }, 'Không có dữ liệu.')),
        t.total ? h('tr', { class: 'total' }, t.total.map((v, i) => cell(v, i))) : null))),
    t.notes.length ? h('div', { class: 'muted report-notes' }, t.notes.map(n => h('p', {}, n))) : null);
}

async function download(url, options, filename) {
  busy(+1);
  try {
    const response = await fetch(url, Object.assign({ credentials: 'same-origin' }, options || {}));
    if (!response.ok) { let j = null; try { j = await response.json(); } catch (e) { j = null; } throw new ApiError(response.status, j && j.error); }
    const name = (/filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '') || [])[1] || filename || 'bao-cao';
    const href = URL.createObjectURL(await response.blob());
    const a = h('a', { href, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10000);
  } finally { busy(-1); }
}

/// Runs a report as a background job, showing its progress in `box`; resolves with the job.
async function runReportJob(body, box) {
  const job = await api('POST', '/api/report-jobs', body);
  const bar = h('progress', { max: 100, value: 0, id: 'report-progress' });
  const text = h('span', { class: 'muted' }, 'Đang chờ…');
  const cancel = h('button', { type: 'button', onclick: () => api('DELETE', `/api/report-jobs/${job.id}`).catch(() => {}) }, 'Hủy');
  box.replaceChildren(h('div', { class: 'row', role: 'status' }, bar, ' ', text, ' ', cancel));
  for (;;) {
    await new Promise(r => setTimeout(r, 400));
    const j = await api('GET', `/api/report-jobs/${job.id}`);
    bar.value = Math.round(j.progress * 100);
    text.textContent = `${j.phase} — ${Math.round(j.progress * 100)}%`;
    if (j.status === 'done') { box.replaceChildren(); return j; }
    if (j.status === 'failed' || j.status === 'cancelled') {
      box.replaceChildren(h('div', { class: 'notice bad', role: 'alert' }, j.status === 'failed' ? (j.error || 'Không lập được báo cáo.') : 'Đã hủy báo cáo.'));
      return null;
    }
  }
}

async function pageReports(_, params) {
  const reach = unitsInReach();
  const saved = await GET('/api/searches').catch(() => []);
  const report = h('select', { id: 'report-id', 'data-autofocus': true }, REPORTS.map(([v, l]) => h('option', { value: v, selected: v === (params.get('report') || 'bm01') }, l)));
  const unit = h('select', { id: 'report-unit' }, unitOptions(reach, S.user.unit_id || (reach[0] && reach[0].id), null));
  const asOf = h('input', { id: 'report-as-of', value: todayDisplay(), placeholder: 'dd/mm/yyyy', inputmode: 'numeric', maxlength: 10 });
  const year = h('input', { id: 'report-year', type: 'number', min: 2000, max: 2100, value: new Date().getFullYear() });
  const horizon = h('input', { id: 'report-horizon', type: 'number', min: 0, max: 3650, value: 90 });
  const criteria = h('select', { id: 'report-criteria' }, h('option', { value: '' }, 'Tất cả hồ sơ trong đơn vị'), saved.map(s => h('option', { value: s.id }, `Tìm kiếm đã lưu: ${s.name}`)));
  const group1 = h('select', { id: 'report-group1' }, h('option', { value: '' }, '— liệt kê từng người —'), GROUPS.map(([v, l]) => h('option', { value: v }, l)));
  const group2 = h('select', { id: 'report-group2' }, h('option', { value: '' }, '— không —'), GROUPS.map(([v, l]) => h('option', { value: v }, l)));
  const columns = h('fieldset', { id: 'report-columns', class: 'checks' }, h('legend', {}, 'Cột (khi liệt kê)'),
    LIST_COLUMNS.map(([v, l], i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: v, checked: i < 6 }), ' ', l)));
  const title = h('input', { id: 'report-title', maxlength: 200, placeholder: 'Tiêu đề (không bắt buộc)' });
  const customBox = h('div', { class: 'grid', id: 'custom-box' }, simpleField('criteria', 'Tiêu chí', criteria), simpleField('group1', 'Nhóm theo', group1),
    simpleField('group2', 'Nhóm tiếp theo', group2), simpleField('title', 'Tiêu đề', title));
  const yearField = simpleField('year', 'Năm', year), horizonField = simpleField('horizon', 'Xem trước (ngày)', horizon), asOfField = simpleField('as_of', 'Tính đến ngày', asOf);
  const form = h('form', { id: 'report-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' }, simpleField('report', 'Báo cáo', report), simpleField('unit_id', 'Đơn vị (gồm đơn vị trực thuộc)', unit), asOfField, yearField, horizonField),
    customBox, columns);
  const progress = h('div', { id: 'report-status' });
  const output = h('div', { id: 'report-output' });
  const sync = () => {
    const id = report.value;
    customBox.hidden = id !== 'custom';
    columns.hidden = id !== 'custom' || group1.value !== '';
    yearField.hidden = id !== 'staffing';
    horizonField.hidden = id !== 'alerts';
    asOfField.hidden = id === 'staffing';
  };
  report.addEventListener('change', sync); group1.addEventListener('change', sync);
  sync();
  const body = format => {
    const b = { report: report.value, unit_id: unit.value || undefined, as_of: asOf.value.trim() || undefined, format };
    if (report.value === 'staffing') { b.year = Number(year.value); delete b.as_of; }
    if (report.value === 'alerts') b.horizon_days = Number(horizon.value);
    if (report.value === 'custom') {
      const search = saved.find(s => s.id === criteria.value);
      const c = Object.assign({}, search ? search.criteria : {});
      delete c.page; delete c.per_page; delete c.sort; delete c.order;
      b.custom = { criteria: c, group_by: [group1.value, group2.value].filter(Boolean),
        columns: $$('input:checked', columns).map(i => i.value), title: title.value.trim() || undefined };
      if (!b.custom.group_by.length) delete b.custom.group_by;
      if (b.custom.group_by) delete b.custom.columns;
    }
    return b;
  };
  const run = async format => {
    $('.form-errors', form).hidden = true;
    try {
      const job = await runReportJob(body(format), progress);
      if (!job) return;
      if (format === 'json') {
        const t = await GET(`/api/report-jobs/${job.id}/result`);
        output.replaceChildren(reportTableNode(t));
        output.scrollIntoView({ block: 'start' });
      } else {
        await download(`/api/report-jobs/${job.id}/result`);
      }
      refreshJobs();
    } catch (e) {
      progress.replaceChildren();
      if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form));
    }
  };
  const jobs = h('div', { id: 'report-jobs' });
  const refreshJobs = async () => {
    const list = await GET('/api/report-jobs').catch(() => []);
    jobs.replaceChildren(list.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Báo cáo', 'Định dạng', 'Lập lúc', 'Tình trạng', 'Số dòng', ''].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map(j => h('tr', {}, h('td', {}, (REPORTS.find(r => r[0] === j.report) || [j.report, j.report])[1]), h('td', {}, j.format.toUpperCase()),
        h('td', {}, fmtTime(j.created_at)), h('td', {}, h('span', { class: 'badge ' + (j.status === 'done' ? 'ok' : j.status === 'failed' ? 'bad' : '') }, JOB_STATUS[j.status] || j.status)),
        h('td', { class: 'num' }, j.rows === null || j.rows === undefined ? '' : j.rows),
        h('td', {}, j.status === 'done' ? h('button', { type: 'button', class: 'link', onclick: () => download(`/api/report-jobs/${j.id}/result`).catch(e => showError(e)) }, 'Tải về') : null))))))
      : h('p', { class: 'muted' }, 'Chưa lập báo cáo nào trong phiên này.'));
  };
  refreshJobs();
  return h('div', {}, h('h1', {}, 'Báo cáo, thống kê'),
    h('div', { class: 'card' }, form,
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'primary', id: 'report-view', onclick: () => run('json') }, 'Xem báo cáo'),
        h('button', { type: 'button', id: 'report-xlsx', onclick: () => run('xlsx') }, 'Tải Excel (XLSX)'),
        h('button', { type: 'button', id: 'report-csv', onclick: () => run('csv') }, 'Tải CSV'),
        h('button', { type: 'button', id: 'report-html', onclick: () => run('html') }, 'Tải bản in (HTML)')),
      progress),
    output,
    h('div', { class: 'card' }, h('h2', {}, 'Báo cáo đã lập (giữ trong 1 giờ)'), jobs));
}

const ALERT_KINDS = [['salary_step', 'Nâng bậc lương'], ['over_scale', 'Vượt khung'], ['retirement_notice', 'Thông báo nghỉ hưu'],
  ['retirement_decision', 'Quyết định nghỉ hưu'], ['appointment_term', 'Hết hạn bổ nhiệm'], ['discipline_expiry', 'Hết hạn kỷ luật'],
  ['late_update', 'Cập nhật chậm']];

async function pageAlerts(_, params) {
  const reach = unitsInReach();
  const unitID = params.get('unit_id') || S.user.unit_id || (reach[0] && reach[0].id) || '';
  const horizon = params.get('horizon_days') || '90';
  const asOf = params.get('as_of') || todayDisplay();
  const kinds = (params.get('kinds') || '').split(',').filter(Boolean);
  const query = q({ unit_id: unitID, horizon_days: horizon, as_of: asOf, kinds: kinds.join(',') });
  const alerts = await GET('/api/alerts?' + query);
  const unit = h('select', { id: 'alert-unit' }, unitOptions(reach, unitID, null));
  const horizonInput = h('input', { id: 'alert-horizon', type: 'number', min: 0, max: 3650, value: horizon });
  const asOfInput = h('input', { id: 'alert-as-of', value: asOf, placeholder: 'dd/mm/yyyy', maxlength: 10 });
  const kindBoxes = ALERT_KINDS.map(([v, l]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: v, checked: !kinds.length || kinds.includes(v) }), ' ', l));
  const form = h('form', { id: 'alert-form', class: 'card', novalidate: true },
    h('div', { class: 'grid' }, simpleField('unit_id', 'Đơn vị', unit), simpleField('as_of', 'Tính đến ngày', asOfInput), simpleField('horizon_days', 'Xem trước (ngày)', horizonInput)),
    h('fieldset', { class: 'checks' }, h('legend', {}, 'Loại cảnh báo'), kindBoxes),
    h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit' }, 'Xem')));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    const chosen = $$('input:checked', form).map(i => i.value);
    location.hash = '#/alerts?' + q({ unit_id: unit.value, as_of: asOfInput.value.trim(), horizon_days: horizonInput.value,
      kinds: chosen.length === ALERT_KINDS.length ? '' : chosen.join(',') });
  });
  const counts = {};
  for (const a of alerts) counts[a.kind_name] = (counts[a.kind_name] || 0) + 1;
  const exportQuery = query + '&';
  return h('div', {}, h('h1', {}, 'Cảnh báo'),
    h('p', { class: 'muted' }, 'Tính theo quy định: nâng bậc lương (36/24/60 tháng, kéo dài do kỷ luật, năm không hoàn thành nhiệm vụ), vượt khung, nghỉ hưu (thông báo trước 6 tháng, quyết định trước 3 tháng), thời hạn bổ nhiệm, kỷ luật hết hạn, cập nhật hồ sơ chậm.'),
    form,
    h('div', { class: 'row' }, h('b', {}, `${alerts.length} cảnh báo`), ' ',
      Object.entries(counts).map(([k, n]) => h('span', { class: 'badge' }, `${k}: ${n}`)),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', id: 'alerts-xlsx', onclick: () => download(`/api/reports/alerts?${exportQuery}format=xlsx`).catch(e => showError(e)) }, 'Tải Excel'),
      h('button', { type: 'button', id: 'alerts-csv', onclick: () => download(`/api/reports/alerts?${exportQuery}format=csv`).catch(e => showError(e)) }, 'Tải CSV')),
    h('div', { class: 'table-wrap' }, h('table', { id: 'alerts-table' },
      h('thead', {}, h('tr', {}, ['Hạn', 'Còn', 'Loại', 'Họ và tên', 'Đơn vị', 'Nội dung'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, alerts.length ? alerts.map(a => h('tr', { class: a.overdue ? 'overdue' : '' },
        h('td', {}, fmtDate(a.due_date)),
        h('td', {}, h('span', { class: 'badge ' + (a.overdue ? 'bad' : a.days_left <= 30 ? 'warn' : '') }, a.overdue ? `Quá ${-a.days_left} ngày` : `${a.days_left} ngày`)),
        h('td', {}, a.kind_name), h('td', {}, h('a', { href: `#/dossiers/${a.person_id}` }, a.person_name)), h('td', {}, a.unit_name), h('td', {}, a.detail)))
        : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Không có cảnh báo trong khoảng thời gian này.'))))));
}

// MARK: Units, staffing, catalogues

async function pageUnits(_, params) {
  const year = Number(params.get('year') || new Date().getFullYear());
  const staffing = await GET('/api/staffing?year=' + year).catch(() => []);
  const reach = unitsInReach();
  const ids = new Set(reach.map(u => u.id));
  const children = {};
  for (const u of reach) { const p = ids.has(u.parent_id) ? u.parent_id : ''; (children[p] = children[p] || []).push(u); }
  const tree = p => h('ul', {}, (children[p] || []).sort((a, b) => a.name.localeCompare(b.name, 'vi')).map(u =>
    h('li', {}, h('b', {}, u.name), ' ', h('span', { class: 'muted' }, `(${u.code}${u.valid_to ? ', hết hiệu lực ' + fmtDate(u.valid_to) : ''})`),
      can('units.manage') && u.id !== S.user.unit_id ? [' ', h('button', { type: 'button', class: 'link', onclick: () => editUnit(u), 'aria-label': `Sửa đơn vị ${u.name}` }, 'Sửa')] : null,
      children[u.id] ? tree(u.id) : null)));
  const parts = [h('h1', {}, 'Đơn vị và biên chế'),
    h('div', { class: 'card tree', id: 'unit-tree' }, h('h2', {}, 'Cơ cấu tổ chức'), tree(''))];
  parts.push(h('div', { class: 'card' }, h('div', { class: 'row' }, h('h2', {}, `Biên chế năm ${year}`), h('span', { class: 'spacer' }),
    h('label', { for: 'staff-year', class: 'inline' }, 'Năm ', h('input', { id: 'staff-year', type: 'number', value: year, min: 2000, max: 2100,
      onchange: ev => { location.hash = '#/units?year=' + ev.target.value; } }))),
    h('div', { class: 'table-wrap' }, h('table', { id: 'staffing-table' },
      h('thead', {}, h('tr', {}, ['Đơn vị', 'Loại', 'Biên chế giao', 'Hiện có', 'Chênh lệch', 'Tình trạng'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, staffing.length ? staffing.map(s => h('tr', { 'data-status': s.status },
        h('td', {}, '\u00a0\u00a0'.repeat(s.depth) + s.unit_name), h('td', {}, s.category_name), h('td', { class: 'num' }, s.quota === null ? '—' : s.quota),
        h('td', { class: 'num' }, s.actual), h('td', { class: 'num' }, s.difference === null ? '' : (s.difference > 0 ? '+' : '') + s.difference),
        h('td', {}, h('span', { class: 'badge ' + ({ over: 'bad', under: 'warn', ok: 'ok' }[s.status] || '') }, s.status_name))))
        : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Không có đơn vị nào được giao biên chế hoặc có người trong năm này.'))))),
    h('p', {}, h('a', { href: `/api/reports/staffing?year=${year}&format=xlsx`, download: '' }, 'Tải bảng biên chế (Excel)'))));
  const categories = (await catalogue('loai_can_bo').catch(() => ({ entries: [] }))).entries;
  if (can('units.manage')) {
    const unitForm = h('form', { id: 'unit-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
      h('div', { class: 'grid' },
        simpleField('parent_id', 'Trực thuộc', h('select', {}, unitOptions(reach, S.user.unit_id, '— chọn —')), true),
        simpleField('code', 'Mã đơn vị', h('input', { maxlength: 40 }), true),
        simpleField('name', 'Tên đơn vị', h('input', { maxlength: 200 }), true)),
      h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit' }, 'Thêm đơn vị')));
    unitForm.addEventListener('submit', async ev => {
      ev.preventDefault(); clearErrors(unitForm);
      const v = n => unitForm.elements[n].value.trim() || null;
      try { await api('POST', '/api/units', { parent_id: v('parent_id'), code: v('code'), name: v('name') }); await loadUnits(); toast('Đã thêm đơn vị.'); route(); }
      catch (e) { if (e.status === 422) showFieldErrors(unitForm, e); else showError(e, $('.form-errors', unitForm)); }
    });
    const quotaForm = h('form', { id: 'quota-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
      h('div', { class: 'grid' },
        simpleField('unit', 'Đơn vị', h('select', {}, unitOptions(reach, '', '— chọn —')), true),
        simpleField('year', 'Năm', h('input', { type: 'number', value: year }), true),
        simpleField('category', 'Loại biên chế', h('select', {}, categories.map(e => h('option', { value: e.code }, e.name)))),
        simpleField('quota', 'Số được giao', h('input', { type: 'number', min: 0 }), true)),
      h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit' }, 'Lưu biên chế')));
    quotaForm.addEventListener('submit', async ev => {
      ev.preventDefault(); clearErrors(quotaForm);
      const unit = quotaForm.elements.unit.value;
      if (!unit) { showFieldErrors(quotaForm, { message: 'Chưa chọn đơn vị.', fields: [{ field: 'unit', message: 'Cần chọn đơn vị.' }] }); return; }
      try {
        await api('PUT', `/api/units/${encodeURIComponent(unit)}/quotas`, { year: Number(quotaForm.elements.year.value), category: quotaForm.elements.category.value, quota: Number(quotaForm.elements.quota.value) });
        toast('Đã lưu biên chế.'); route();
      } catch (e) { if (e.status === 422) showFieldErrors(quotaForm, e); else showError(e, $('.form-errors', quotaForm)); }
    });
    parts.push(h('div', { class: 'card' }, h('h2', {}, 'Thêm đơn vị trực thuộc'), unitForm));
    if (S.user.role === 'admin') parts.push(h('div', { class: 'card' }, h('h2', {}, 'Giao biên chế (Sở Nội vụ)'), quotaForm));
  }
  return h('div', {}, parts);
}

function editUnit(u) {
  const form = h('form', { novalidate: true, id: 'unit-edit-form' }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' },
      simpleField('name', 'Tên đơn vị', h('input', { maxlength: 200, value: u.name }), true),
      simpleField('valid_to', 'Hết hiệu lực từ ngày (sáp nhập, giải thể)', h('input', { placeholder: 'dd/mm/yyyy', value: fmtDate(u.valid_to) })),
      simpleField('successor_id', 'Đơn vị kế thừa', h('select', {}, unitOptions(S.units.filter(x => x.id !== u.id), u.successor_id, '— không —')))));
  const save = h('button', { class: 'primary', type: 'button' }, 'Lưu');
  const dialog = modal(`Sửa đơn vị ${u.name}`, form, [save, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  save.addEventListener('click', async () => {
    const body = { name: form.elements.name.value.trim() };
    const validTo = parseDate(form.elements.valid_to.value);
    if (validTo !== (u.valid_to || null)) body.valid_to = validTo;
    const successor = form.elements.successor_id.value || null;
    if (successor !== (u.successor_id || null)) body.successor_id = successor;
    try { await api('PATCH', '/api/units/' + encodeURIComponent(u.id), body); await loadUnits(); dialog.close(); toast('Đã lưu.'); route(); }
    catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  form.elements.name.focus();
}

async function pageCatalogues() {
  const list = await GET('/api/catalogues');
  return h('div', {}, h('h1', {}, 'Danh mục dùng chung'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'catalogue-table' },
      h('thead', {}, h('tr', {}, ['Danh mục', 'Phiên bản', 'Nguồn'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, list.map(c => h('tr', {}, h('td', {}, h('a', { href: `#/catalogues/${c.id}` }, c.name)), h('td', {}, c.version || ''), h('td', {}, c.source || '')))))));
}

async function pageCatalogue(id) {
  const [list, entries] = await Promise.all([GET('/api/catalogues'), GET('/api/catalogues/' + encodeURIComponent(id))]);
  const c = { ...(list.find(x => x.id === id) || { name: id }), entries };
  const parts = [h('h1', {}, c.name), c.source ? h('p', { class: 'muted' }, 'Nguồn: ', c.source, c.note ? ' — ' + c.note : '') : null,
    h('div', { class: 'table-wrap' }, h('table', { id: 'entry-table' },
      h('thead', {}, h('tr', {}, ['Mã', 'Tên', 'Hiệu lực từ', 'Hết hiệu lực'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, (c.entries || []).map(e => h('tr', {}, h('td', {}, e.code), h('td', {}, e.name), h('td', {}, fmtDate(e.valid_from)), h('td', {}, fmtDate(e.valid_to)))))))];
  if (can('catalogues.manage')) {
    const form = h('form', { id: 'entry-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
      h('div', { class: 'grid' }, simpleField('code', 'Mã', h('input', { maxlength: 40 }), true), simpleField('name', 'Tên', h('input', { maxlength: 300 }), true),
        simpleField('valid_to', 'Hết hiệu lực (dd/mm/yyyy)', h('input', {}))),
      h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit' }, 'Lưu mục')));
    form.addEventListener('submit', async ev => {
      ev.preventDefault(); clearErrors(form);
      const code = form.elements.code.value.trim();
      try {
        await api('PUT', `/api/catalogues/${encodeURIComponent(id)}/entries/${encodeURIComponent(code)}`, { name: form.elements.name.value.trim(), valid_to: parseDate(form.elements.valid_to.value) || undefined });
        delete S.cats[id]; toast('Đã lưu.'); route();
      } catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
    });
    parts.push(h('div', { class: 'card' }, h('h2', {}, 'Thêm hoặc sửa mục'), form));
  }
  return h('div', {}, parts);
}

// MARK: Users

async function pageUsers() {
  const users = await GET('/api/users');
  const roles = S.schema.roles;
  const roleLabel = id => (roles.find(r => r.id === id) || { label: id }).label;
  const assignable = S.user.role === 'admin' ? roles : roles.filter(r => ['hr', 'head', 'staff'].includes(r.id));
  const rows = users.map(u => h('tr', { 'data-id': u.id }, h('td', {}, u.username), h('td', {}, u.full_name), h('td', {}, roleLabel(u.role)),
    h('td', {}, unitName(u.unit_id)), h('td', {}, u.active ? h('span', { class: 'badge ok' }, 'Đang dùng') : h('span', { class: 'badge' }, 'Đã khóa'),
      u.locked_until ? h('span', { class: 'badge bad' }, ' Tạm khóa') : null),
    h('td', {}, fmtTime(u.last_login_at)),
    h('td', {}, u.id === S.user.id ? '' : [
      h('button', { type: 'button', class: 'link', onclick: () => editUser(u, assignable) }, 'Sửa'), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => toggleUser(u) }, u.active ? 'Khóa' : 'Mở khóa'), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => resetPassword(u) }, 'Đặt lại mật khẩu')])));
  const form = h('form', { id: 'user-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' },
      simpleField('username', 'Tên đăng nhập', h('input', { maxlength: 64, autocomplete: 'off' }), true),
      simpleField('full_name', 'Họ và tên', h('input', { maxlength: 100 }), true),
      simpleField('role', 'Vai trò', h('select', {}, assignable.map(r => h('option', { value: r.id }, r.label))), true),
      simpleField('unit_id', 'Đơn vị', h('select', {}, unitOptions(unitsInReach(), S.user.unit_id, '— không —'))),
      simpleField('person_id', 'Mã hồ sơ (với tài khoản cá nhân)', h('input', { maxlength: 64 })),
      simpleField('password', 'Mật khẩu ban đầu (ít nhất 8 ký tự)', h('input', { type: 'password', autocomplete: 'new-password' }), true)),
    h('div', { class: 'form-actions' }, h('button', { class: 'primary', type: 'submit', id: 'create-user' }, 'Tạo tài khoản')));
  form.addEventListener('submit', async ev => {
    ev.preventDefault(); clearErrors(form);
    const v = n => form.elements[n].value.trim() || null;
    const body = { username: v('username'), full_name: v('full_name'), role: v('role'), unit_id: v('unit_id'), person_id: v('person_id'), password: form.elements.password.value };
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    try { await api('POST', '/api/users', body); toast('Đã tạo tài khoản; người dùng phải đổi mật khẩu khi đăng nhập lần đầu.'); route(); }
    catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  return h('div', {}, h('h1', {}, 'Người dùng'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'user-table' },
      h('thead', {}, h('tr', {}, ['Tên đăng nhập', 'Họ và tên', 'Vai trò', 'Đơn vị', 'Tình trạng', 'Đăng nhập gần nhất', ''].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows))),
    h('div', { class: 'card' }, h('h2', {}, 'Tạo tài khoản'), form));
}
function editUser(u, assignable) {
  const form = h('form', { novalidate: true, id: 'user-edit-form' }, h('div', { class: 'form-errors', hidden: true }),
    h('div', { class: 'grid' },
      simpleField('full_name', 'Họ và tên', h('input', { maxlength: 100, value: u.full_name }), true),
      simpleField('role', 'Vai trò', h('select', {}, assignable.map(r => h('option', { value: r.id, selected: r.id === u.role }, r.label))), true),
      simpleField('unit_id', 'Đơn vị', h('select', {}, unitOptions(unitsInReach(), u.unit_id, '— không —'))),
      simpleField('person_id', 'Mã hồ sơ (với tài khoản cá nhân)', h('input', { maxlength: 64, value: u.person_id || '' }))));
  const save = h('button', { class: 'primary', type: 'button' }, 'Lưu');
  const dialog = modal(`Sửa tài khoản ${u.username}`, form, [save, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  save.addEventListener('click', async () => {
    const v = n => form.elements[n].value.trim() || null;
    const body = {};
    for (const k of ['full_name', 'role', 'unit_id', 'person_id']) if (v(k) !== (u[k] ?? null)) body[k] = v(k);
    try { await api('PATCH', '/api/users/' + encodeURIComponent(u.id), body); dialog.close(); toast('Đã lưu.'); route(); }
    catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  form.elements.full_name.focus();
}

async function toggleUser(u) {
  try { await api('PATCH', '/api/users/' + encodeURIComponent(u.id), { active: !u.active }); toast(u.active ? 'Đã khóa tài khoản.' : 'Đã mở khóa.'); route(); }
  catch (e) { showError(e); }
}
function resetPassword(u) {
  const input = h('input', { type: 'password', id: 'reset-password', autocomplete: 'new-password' });
  const form = h('form', { novalidate: true }, h('div', { class: 'form-errors', hidden: true }), simpleField('new_password', 'Mật khẩu mới', input, true));
  const ok = h('button', { class: 'primary', type: 'button' }, 'Đặt lại');
  const dialog = modal(`Đặt lại mật khẩu cho ${u.username}`, form, [ok, h('button', { type: 'button', onclick: () => dialog.close() }, 'Hủy')]);
  ok.addEventListener('click', async () => {
    try { await api('POST', `/api/users/${encodeURIComponent(u.id)}/password`, { new_password: input.value }); dialog.close(); toast('Đã đặt lại; người dùng phải đổi khi đăng nhập.'); }
    catch (e) { if (e.status === 422) showFieldErrors(form, e); else showError(e, $('.form-errors', form)); }
  });
  input.focus();
}

// MARK: Audit

const ACTIONS = { create: 'Tạo', update: 'Sửa', delete: 'Xóa', read: 'Xem', login: 'Đăng nhập', login_failed: 'Đăng nhập sai', logout: 'Đăng xuất', export: 'Xuất gói', import: 'Nhập gói', movement: 'Biến động',
  handoff_request: 'Đề nghị chuyển', handoff_accept: 'Đồng ý nhận', handoff_refuse: 'Từ chối nhận', handoff_cancel: 'Hủy chuyển', handoff_commit: 'Chuyển quyền quản lý', backup: 'Sao lưu' };
async function pageAudit(_, params) {
  const filter = { action: params.get('action') || '', entity: params.get('entity') || '', person_id: params.get('person_id') || '', from: params.get('from') || '', to: params.get('to') || '', before: params.get('before') || '' };
  const entries = await GET('/api/audit?' + q({ ...filter, limit: 100 }));
  const form = h('form', { class: 'card row', id: 'audit-filter' },
    simpleField('action', 'Hành động', h('select', {}, h('option', { value: '' }, 'Tất cả'), Object.entries(ACTIONS).map(([k, v]) => h('option', { value: k, selected: k === filter.action }, v)))),
    simpleField('person_id', 'Mã hồ sơ', h('input', { value: filter.person_id })),
    simpleField('from', 'Từ ngày', h('input', { value: fmtDate(filter.from), placeholder: 'dd/mm/yyyy' })),
    simpleField('to', 'Đến ngày', h('input', { value: fmtDate(filter.to), placeholder: 'dd/mm/yyyy' })),
    h('button', { type: 'submit', class: 'primary' }, 'Lọc'));
  form.addEventListener('submit', ev => {
    ev.preventDefault();
    location.hash = '#/audit?' + q({ action: form.elements.action.value, person_id: form.elements.person_id.value.trim(), from: parseDate(form.elements.from.value), to: parseDate(form.elements.to.value) });
  });
  const summary = e => {
    if (!e.changes) return '';
    if (Array.isArray(e.changes)) return e.changes.map(c => c.field).filter(Boolean).join(', ');
    return Object.keys(e.changes).join(', ');
  };
  const last = entries[entries.length - 1];
  return h('div', {}, h('h1', {}, 'Nhật ký truy cập và thay đổi'), form,
    h('div', { class: 'table-wrap' }, h('table', { id: 'audit-table' },
      h('thead', {}, h('tr', {}, ['Thời điểm', 'Người dùng', 'Hành động', 'Đối tượng', 'Hồ sơ', 'Trường thay đổi'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, entries.map(e => h('tr', {}, h('td', {}, fmtTime(e.at)), h('td', {}, e.username || ''), h('td', {}, ACTIONS[e.action] || e.action),
        h('td', {}, e.entity || ''), h('td', {}, e.person_id ? h('a', { href: `#/dossiers/${e.person_id}` }, 'Mở') : ''), h('td', {}, summary(e))))))),
    entries.length === 100 && last ? h('p', {}, h('a', { href: '#/audit?' + q({ ...filter, before: last.id }) }, 'Cũ hơn ›')) : null);
}

// MARK: Sync, conflicts, quarantine

const SYNC_ERRORS = {
  transport: 'Không kết nối được tới máy chủ cấp trên (mất mạng hoặc máy chủ đang dừng). Dữ liệu vẫn được lưu tại đơn vị và sẽ tự gửi khi có kết nối.',
  unavailable: 'Máy chủ cấp trên đang bận; sẽ tự thử lại.',
  internal: 'Máy chủ cấp trên gặp lỗi; sẽ tự thử lại.',
  disk_full: 'Máy chủ cấp trên hết dung lượng đĩa; sẽ tự thử lại khi được giải phóng.',
  unauthenticated: 'Cấp trên không nhận mã đăng ký của nút này; cần quản trị đăng ký lại.',
  forbidden: 'Nút này đã bị cấp trên ngừng đăng ký; liên hệ quản trị Sở Nội vụ.',
  identity_conflict: 'Hai máy cùng dùng danh tính của nút này (sao chép thư mục dữ liệu); cấp trên tạm dừng đồng bộ cho đến khi đăng ký lại.',
  node_regressed: 'Cơ sở dữ liệu của nút cũ hơn dữ liệu đã gửi (phục hồi từ bản sao lưu cũ); cần đăng ký lại.',
  parent_changed: 'Địa chỉ cấp trên trỏ tới một máy chủ khác với máy chủ đã đăng ký.',
  protocol_unsupported: 'Phiên bản phần mềm không tương thích với cấp trên; cần nâng cấp.',
};

async function pageSync() {
  const s = await GET('/api/sync/status');
  S.sync = s;
  const parts = [h('h1', {}, 'Đồng bộ dữ liệu')];
  const explain = {
    ok: ['ok', 'Máy chủ của đơn vị đang đồng bộ bình thường với cấp trên.'],
    offline: ['', `Không kết nối được với cấp trên. Đơn vị vẫn làm việc bình thường: ${s.pending_changes} thay đổi đã lưu an toàn tại máy chủ của đơn vị và sẽ tự gửi lên khi có mạng.`],
    error: ['bad', 'Cấp trên từ chối đồng bộ; cần quản trị hệ thống xử lý (xem lỗi bên dưới).'],
    never: ['', 'Chưa đồng bộ lần nào.'],
    standalone: ['ok', 'Đây là máy chủ cấp tỉnh (không có cấp trên).'],
  }[s.state] || ['', s.state];
  parts.push(h('div', { class: 'notice ' + explain[0], id: 'sync-state', 'data-state': s.state }, explain[1]));
  parts.push(h('div', { class: 'card' }, h('dl', { class: 'facts' },
    h('dt', {}, 'Cấp trên'), h('dd', {}, s.parent_name || s.parent_url || '—'),
    h('dt', {}, 'Đồng bộ thành công gần nhất'), h('dd', {}, fmtTime(s.last_success_at) || '—'),
    h('dt', {}, 'Lần thử gần nhất'), h('dd', {}, fmtTime(s.last_attempt_at) || '—'),
    h('dt', {}, 'Thay đổi chờ gửi lên'), h('dd', { id: 'pending-changes' }, String(s.pending_changes ?? 0)),
    h('dt', {}, 'Thay đổi bị từ chối (chờ xử lý)'), h('dd', {}, String(s.quarantined ?? 0)),
    h('dt', {}, 'Xung đột chưa xử lý'), h('dd', {}, String(s.open_conflicts ?? 0)),
    s.last_error ? [h('dt', {}, 'Lỗi gần nhất'), h('dd', {}, SYNC_ERRORS[s.last_error_code] || 'Lỗi đồng bộ.', ' ',
      h('details', {}, h('summary', {}, 'Chi tiết kỹ thuật'), h('code', {}, s.last_error)))] : null),
    s.state !== 'standalone' && (can('dossier.write') || S.user.role === 'admin') ? h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'primary', id: 'sync-now', onclick: async () => {
        try { await api('POST', '/api/sync/now', {}); toast('Đã đồng bộ.'); } catch (e) { showError(e); } route();
      } }, 'Đồng bộ ngay')) : null));
  if (roleScope(S.user.role) !== 'own') {
    const [conflicts, quarantine] = await Promise.all([GET('/api/conflicts?status=open').catch(() => []), GET('/api/quarantine?status=open').catch(() => [])]);
    parts.push(h('h2', {}, `Xung đột (${conflicts.length})`),
      conflicts.length ? conflicts.map(c => conflictCard(c)) : h('p', { class: 'muted' }, 'Không có xung đột nào chưa xử lý.'));
    parts.push(h('h2', {}, `Thay đổi bị cấp trên từ chối (${quarantine.length})`),
      quarantine.length ? quarantine.map(item => quarantineCard(item)) : h('p', { class: 'muted' }, 'Không có.'));
  }
  if (S.user.role === 'admin') {
    const nodes = await GET('/api/sync/nodes').catch(() => []);
    if (nodes.length) parts.push(h('h2', {}, 'Các nút cấp dưới'), h('div', { class: 'table-wrap' }, h('table', { id: 'node-table' },
      h('thead', {}, h('tr', {}, ['Nút', 'Trạng thái', 'Liên lạc gần nhất', 'Chờ nhận', 'Chờ gửi', 'Bị từ chối', 'Lỗi'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, nodes.map(n => h('tr', {}, h('td', {}, n.name), h('td', {}, h('span', { class: 'badge ' + (n.status === 'ok' ? 'ok' : n.status === 'error' ? 'bad' : 'warn') }, n.status_message || n.status)),
        h('td', {}, fmtTime(n.last_contact_at)), h('td', { class: 'num' }, n.lag_up ?? ''), h('td', { class: 'num' }, n.lag_down ?? ''), h('td', { class: 'num' }, n.changes_rejected ?? ''), h('td', {}, n.last_error || '')))))));
  }
  return h('div', {}, parts);
}

function fieldLabel(entity, name) {
  const kind = S.schema.kinds.find(k => k.name === entity);
  const f = kind && kind.fields.find(x => x.name === name);
  return f ? f.label : name;
}
function valueText(entity, name, value) {
  const kind = S.schema.kinds.find(k => k.name === entity);
  const f = kind && kind.fields.find(x => x.name === name);
  if (value === null || value === undefined) return '';
  return f ? display(f, value) : (typeof value === 'object' ? JSON.stringify(value) : String(value));
}
function sideBySide(entity, left, right, leftTitle, rightTitle) {
  const a = (left && left.data) || left || {}, b = (right && right.data) || right || {};
  const keys = Array.from(new Set([...Object.keys(a), ...Object.keys(b)])).filter(k => !['id', 'person_id', 'version', 'created_at', 'updated_at'].includes(k));
  const differs = k => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null);
  const row = (k, changed) => h('tr', {}, h('th', { scope: 'row' }, fieldLabel(entity, k)),
    h('td', { class: changed ? 'changed' : '' }, valueText(entity, k, a[k])), h('td', { class: changed ? 'changed' : '' }, valueText(entity, k, b[k])));
  const changed = keys.filter(differs), same = keys.filter(k => !differs(k) && a[k] !== null && a[k] !== undefined);
  const head = h('thead', {}, h('tr', {}, h('th', {}, 'Trường'), h('th', {}, leftTitle), h('th', {}, rightTitle)));
  return h('div', {},
    h('div', { class: 'table-wrap' }, h('table', { class: 'diff' }, head, h('tbody', {}, changed.length ? changed.map(k => row(k, true)) : h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Nội dung giống nhau.'))))),
    same.length ? h('details', {}, h('summary', {}, `Các trường giống nhau (${same.length})`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'diff' }, h('tbody', {}, same.map(k => row(k, false)))))) : null);
}
function entityLabel(entity) { const k = S.schema.kinds.find(x => x.name === entity); return k ? k.label : entity; }
function conflictCard(c) {
  const resolve = async keep => {
    try { await api('POST', `/api/conflicts/${encodeURIComponent(c.id)}/resolve`, { keep }); toast('Đã xử lý xung đột.'); route(); } catch (e) { showError(e); }
  };
  return h('div', { class: 'card', 'data-conflict': c.id },
    h('p', {}, h('b', {}, ((c.winner && c.winner.data && c.winner.data.full_name) || '') + ' '), `${entityLabel(c.entity)} — phát hiện ${fmtTime(c.detected_at)}`,
      c.person_id ? [' · ', h('a', { href: `#/dossiers/${c.person_id}` }, 'Mở hồ sơ')] : null),
    sideBySide(c.entity, c.winner, c.loser, 'Bản đang dùng (đơn vị quản lý)', 'Bản bị thay thế'),
    can('dossier.write') || S.user.role === 'admin' ? h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'primary', onclick: () => resolve('winner') }, 'Giữ bản đang dùng'),
      h('button', { type: 'button', onclick: () => resolve('loser') }, 'Khôi phục bản bị thay thế')) : null);
}
function quarantineCard(item) {
  const resolve = async action => {
    try { await api('POST', `/api/quarantine/${encodeURIComponent(item.id)}/resolve`, { action }); toast('Đã xử lý.'); route(); } catch (e) { showError(e); }
  };
  return h('div', { class: 'card', 'data-quarantine': item.id },
    h('p', {}, h('b', {}, item.message || item.reason), ` — ${entityLabel(item.entity)}, ${fmtTime(item.at)}`),
    sideBySide(item.entity, null, item.data, 'Hiện tại', 'Thay đổi bị từ chối'),
    can('dossier.write') || S.user.role === 'admin' ? h('div', { class: 'form-actions' },
      h('button', { type: 'button', onclick: () => resolve('discard') }, 'Bỏ thay đổi này'),
      h('button', { type: 'button', onclick: () => resolve('reapply') }, 'Gửi lại')) : null);
}

// MARK: Import from spreadsheets, export for the national database

const IMPORT_ACTION = { create: 'Tạo mới', update: 'Cập nhật', unchanged: 'Không đổi', skip: 'Bỏ qua', error: 'Có lỗi' };

/// Sends a file as the request body (CSV or XLSX), with the CSRF token; JSON answers and errors like api().
async function upload(path, file, contentType) {
  busy(+1);
  try {
    let response;
    try {
      response = await fetch(path, { method: 'POST', credentials: 'same-origin', body: file,
        headers: { Accept: 'application/json', 'Content-Type': contentType, 'X-CSRF-Token': S.csrf || '' } });
    } catch (e) {
      throw new ApiError(0, { code: 'network', message: 'Không kết nối được với máy chủ của đơn vị. Kiểm tra mạng nội bộ rồi thử lại.' });
    }
    const text = await response.text();
    let json = null;
    if (text) { try { json = JSON.parse(text); } catch (e) { json = null; } }
    if (response.ok) return json;
    const error = new ApiError(response.status, json && json.error);
    if (json && json.report) error.report = json.report;
    if (response.status === 413) error.message = (json && json.error && json.error.message) || 'Tệp quá lớn; hãy chia nhỏ tệp.';
    throw error;
  } finally { busy(-1); }
}

function importProblemsCSV(report) {
  const rows = [['Dòng', 'Cột', 'Tiêu đề cột', 'Loại', 'Nội dung']];
  for (const i of report.file_errors) rows.push(['', i.column || '', i.header || '', 'Lỗi', i.message]);
  for (const r of report.rows) for (const i of r.errors) rows.push([r.row, i.column || '', i.header || '', 'Lỗi', i.message]);
  for (const i of report.file_warnings) rows.push(['', i.column || '', i.header || '', 'Lưu ý', i.message]);
  for (const r of report.rows) for (const i of r.warnings) rows.push([r.row, i.column || '', i.header || '', 'Lưu ý', i.message]);
  const cell = v => { const t = String(v); return /[",\r\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t; };
  return '\ufeff' + rows.map(r => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

function importReportNode(report) {
  const t = report.totals;
  const head = report.committed ? h('div', { class: 'notice ok', role: 'status' }, `Đã nhập: tạo mới ${t.create}, cập nhật ${t.update} hồ sơ.`)
    : report.dry_run ? h('div', { class: 'notice ' + (t.errors ? 'bad' : 'ok'), role: 'status' },
      t.errors ? `Kiểm tra thử: ${t.errors} lỗi ở ${t.invalid} dòng${report.file_errors.length ? ' và lỗi của cả tệp' : ''}. Chưa ghi gì; sửa tệp rồi kiểm tra lại.`
        : 'Kiểm tra thử: tệp hợp lệ, chưa ghi gì. Bấm "Nhập vào hệ thống" để ghi.')
      : h('div', { class: 'notice bad', role: 'alert' }, `Không nhập: tệp có ${t.errors} lỗi; chưa ghi hồ sơ nào.`);
  const facts = h('dl', { class: 'facts', id: 'import-totals' },
    h('dt', {}, 'Tệp'), h('dd', {}, report.format.toUpperCase() + (report.sheet ? ` — trang "${report.sheet}"` : '') + (report.header_row ? `, dòng tiêu đề ${report.header_row}` : '')),
    h('dt', {}, 'Số dòng dữ liệu'), h('dd', {}, `${t.rows} (hợp lệ ${t.valid}, có lỗi ${t.invalid})`),
    h('dt', {}, 'Tạo mới / cập nhật'), h('dd', {}, `${t.create} / ${t.update}`),
    h('dt', {}, 'Không đổi / bỏ qua'), h('dd', {}, `${t.unchanged} / ${t.skip}`),
    h('dt', {}, 'Lỗi / lưu ý'), h('dd', {}, `${t.errors} / ${t.warnings}`));
  const problems = [];
  for (const i of report.file_errors) problems.push(['', i, 'bad']);
  for (const r of report.rows) for (const i of r.errors) problems.push([r.row, i, 'bad']);
  for (const i of report.file_warnings) problems.push(['', i, 'warn']);
  for (const r of report.rows) for (const i of r.warnings) problems.push([r.row, i, 'warn']);
  const problemTable = problems.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'import-problems' },
    h('caption', {}, 'Lỗi và lưu ý theo dòng, cột của tệp'),
    h('thead', {}, h('tr', {}, ['Dòng', 'Cột', 'Tiêu đề cột', '', 'Nội dung'].map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, problems.slice(0, 1000).map(([row, i, kind]) => h('tr', {}, h('td', { class: 'num' }, row), h('td', {}, i.column || ''),
      h('td', {}, i.header || ''), h('td', {}, h('span', { class: 'badge ' + kind }, kind === 'bad' ? 'Lỗi' : 'Lưu ý')), h('td', {}, i.message))))))
    : h('p', { class: 'muted' }, 'Không có lỗi hay lưu ý nào.');
  const more = problems.length > 1000 ? h('p', { class: 'muted' }, `Chỉ hiện 1000 trong ${problems.length} dòng; tải báo cáo để xem hết.`) : null;
  const rows = h('details', {}, h('summary', {}, `Kết quả từng dòng (${report.rows.length})`), h('div', { class: 'table-wrap' }, h('table', { id: 'import-rows' },
    h('thead', {}, h('tr', {}, ['Dòng', 'Họ và tên', 'Số định danh', 'Đơn vị', 'Kết quả', 'Trường thay đổi'].map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, report.rows.slice(0, 2000).map(r => h('tr', {}, h('td', { class: 'num' }, r.row),
      h('td', {}, r.dossier_id && r.action !== 'error' ? h('a', { href: `#/dossiers/${r.dossier_id}` }, r.full_name || r.dossier_id) : (r.full_name || '')),
      h('td', {}, r.personal_id || ''), h('td', {}, r.unit_name || ''),
      h('td', {}, h('span', { class: 'badge ' + (r.action === 'error' ? 'bad' : r.action === 'unchanged' || r.action === 'skip' ? '' : 'ok') }, IMPORT_ACTION[r.action] || r.action)),
      h('td', {}, (r.changed_fields || []).map(f => fieldLabel('person', f)).join(', '))))))));
  const download = h('button', { type: 'button', id: 'import-report-csv', onclick: () => {
    const url = URL.createObjectURL(new Blob([importProblemsCSV(report)], { type: 'text/csv' }));
    const a = h('a', { href: url, download: 'bao-cao-nhap-tep.csv' });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } }, 'Tải báo cáo lỗi (CSV)');
  return h('div', { class: 'card', id: 'import-report' }, h('h2', {}, 'Báo cáo'), head, facts, problemTable, more, h('div', { class: 'form-actions' }, download), rows);
}

async function pageImports() {
  const parts = [h('h1', {}, 'Nhập, xuất dữ liệu')];
  if (can('dossier.write')) {
    const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.xlsx,text/csv,' + 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'data-autofocus': true });
    const unit = h('select', { id: 'import-unit' }, unitOptions(unitsInReach(), '', '— theo cột "Đơn vị" trong tệp —'));
    const existing = h('select', { id: 'import-existing' }, h('option', { value: 'update' }, 'Cập nhật hồ sơ đã có (ô trống giữ nguyên)'),
      h('option', { value: 'skip' }, 'Bỏ qua hồ sơ đã có'));
    const sheet = h('input', { id: 'import-sheet', maxlength: 31, placeholder: 'Trang đầu tiên' });
    const form = h('form', { id: 'import-form', novalidate: true }, h('div', { class: 'form-errors', hidden: true }),
      h('div', { class: 'grid' }, simpleField('file', 'Tệp danh sách (CSV UTF-8 hoặc Excel .xlsx)', file, true),
        simpleField('unit_id', 'Đơn vị cho các dòng không ghi đơn vị', unit), simpleField('existing', 'Người đã có hồ sơ (trùng số CCCD)', existing),
        simpleField('sheet', 'Trang tính (Excel)', sheet)));
    const output = h('div', { id: 'import-output' });
    const check = h('button', { type: 'button', class: 'primary', id: 'import-check' }, 'Kiểm tra tệp (chưa ghi)');
    const commit = h('button', { type: 'button', id: 'import-commit', disabled: true }, 'Nhập vào hệ thống');
    let checked = null;   // the file and options of the last clean dry run
    const options = () => ({ unit_id: unit.value, existing: existing.value, sheet: sheet.value.trim() });
    const same = () => checked && checked.file === file.files[0] && JSON.stringify(checked.options) === JSON.stringify(options());
    const refresh = () => { commit.disabled = !same(); };
    for (const el of [file, unit, existing, sheet]) el.addEventListener('change', refresh);
    const run = async dryRun => {
      clearErrors(form);
      const chosen = file.files && file.files[0];
      if (!chosen) { showFieldErrors(form, { message: 'Chưa chọn tệp.', fields: [{ field: 'file', message: 'Cần chọn tệp CSV hoặc Excel (.xlsx).' }] }); return; }
      const xlsx = /\.xlsx$/i.test(chosen.name);
      const o = options();
      const path = '/api/imports?' + q({ dry_run: dryRun ? 'true' : 'false', unit_id: o.unit_id, existing: o.existing, sheet: o.sheet, file_name: chosen.name });
      check.disabled = true; commit.disabled = true;
      try {
        const report = await upload(path, chosen, xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv');
        output.replaceChildren(importReportNode(report));
        checked = dryRun && report.file_errors.length === 0 && report.totals.invalid === 0 ? { file: chosen, options: o } : null;
        if (!dryRun) { checked = null; toast(`Đã nhập ${report.totals.create + report.totals.update} hồ sơ.`); }
      } catch (e) {
        checked = null;
        if (e.report) output.replaceChildren(importReportNode(e.report));
        else { output.replaceChildren(); showError(e, $('.form-errors', form)); }
      } finally { check.disabled = false; refresh(); }
      output.scrollIntoView({ block: 'start' });
    };
    check.addEventListener('click', () => run(true));
    commit.addEventListener('click', () => run(false));
    parts.push(h('div', { class: 'card' }, h('h2', {}, 'Nhập hồ sơ từ danh sách Excel, CSV'),
      h('p', {}, 'Tệp có một dòng tiêu đề ghi tên cột như mẫu 2C, ví dụ: ', h('code', {}, 'STT; Họ và tên; Ngày sinh; Giới tính; Số CCCD; Đơn vị; Mã ngạch; Bậc; Hệ số'),
        '. Ngày ghi dd/mm/yyyy; giới tính Nam/Nữ; dân tộc, ngạch, trình độ… ghi mã hoặc tên trong danh mục; đơn vị ghi mã hoặc tên.'),
      h('p', { class: 'muted' }, 'Hồ sơ được nhận diện theo số định danh cá nhân (số CCCD, 12 số): nhập lại cùng tệp không tạo hồ sơ trùng. "Kiểm tra tệp" không ghi gì; "Nhập vào hệ thống" chỉ bật sau khi kiểm tra không có lỗi, và ghi tất cả các dòng hoặc không dòng nào.'),
      form, h('div', { class: 'form-actions' }, check, commit)), output);
  }
  if (['admin', 'leader'].includes(S.user.role)) {
    const unit = h('select', { id: 'export-unit' }, unitOptions(S.units, '', '— toàn bộ hồ sơ tại nút này —'));
    const result = h('div', { id: 'export-rejected' });
    const scope = () => (unit.value ? '?' + q({ unit_id: unit.value }) : '');
    const checkRejected = async () => {
      try {
        const summary = await GET('/api/exports/national/rejected' + scope());
        result.replaceChildren(h('p', {}, `Xuất được ${summary.exported} hồ sơ; ${summary.rejected.length} hồ sơ chưa có số định danh hợp lệ`
          + (summary.excluded_moved_out ? `; ${summary.excluded_moved_out} hồ sơ đã chuyển khỏi hệ thống không xuất` : '') + '.'),
          summary.rejected.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'export-rejected-table' },
            h('thead', {}, h('tr', {}, ['Họ và tên', 'Ngày sinh', 'Đơn vị', 'Số định danh đang ghi', 'Lý do'].map(x => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, summary.rejected.slice(0, 500).map(r => h('tr', {}, h('td', {}, h('a', { href: `#/dossiers/${r.dossier_id}` }, r.full_name)),
              h('td', {}, fmtDate(r.birth_date)), h('td', {}, r.unit_name), h('td', {}, r.personal_id || ''), h('td', {}, r.reason))))))
            : null);
      } catch (e) { showError(e, result); }
    };
    parts.push(h('div', { class: 'card' }, h('h2', {}, 'Xuất dữ liệu cho Cơ sở dữ liệu quốc gia về CBCCVC (NĐ 27/2026)'),
      h('p', {}, 'Tệp JSON Lines, mỗi dòng một người, khóa theo số định danh cá nhân (12 số), dữ liệu xếp theo 10 nhóm của Nghị định. Hồ sơ chưa có số định danh hợp lệ không được xuất mà được liệt kê riêng để bổ sung.'),
      h('div', { class: 'grid' }, simpleField('export_unit', 'Phạm vi', unit)),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'primary', id: 'export-national', onclick: () => download('/api/exports/national' + scope()).catch(e => showError(e)) }, 'Tải tệp xuất (JSON Lines)'),
        h('button', { type: 'button', id: 'export-check', onclick: checkRejected }, 'Xem hồ sơ chưa xuất được'),
        h('button', { type: 'button', id: 'export-rejected-csv', onclick: () => download('/api/exports/national/rejected' + (scope() ? scope() + '&' : '?') + 'format=csv').catch(e => showError(e)) }, 'Tải danh sách chưa xuất được (CSV)')),
      result));
  }
  return h('div', {}, parts);
}

// MARK: Administration

async function pageAdmin() {
  return h('div', {}, h('h1', {}, 'Quản trị'),
    h('div', { class: 'card' }, h('dl', { class: 'facts' },
      h('dt', {}, 'Tên nút'), h('dd', {}, S.node.name), h('dt', {}, 'Mã nút'), h('dd', {}, S.node.node_id),
      h('dt', {}, 'Phiên bản'), h('dd', {}, S.node.version), h('dt', {}, 'Lược đồ dữ liệu'), h('dd', {}, S.node.schema))),
    h('div', { class: 'card' }, h('h2', {}, 'Sao lưu'),
      h('p', {}, 'Tải về bản sao lưu đầy đủ của cơ sở dữ liệu (đã kiểm tra toàn vẹn). Bản sao lưu chứa dữ liệu mật: cất giữ theo quy định.'),
      h('a', { class: 'button primary', href: '/api/backup', id: 'download-backup' }, 'Tải bản sao lưu')));
}

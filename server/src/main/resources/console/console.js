// The dtm4j console (docs/console.md): a page over the console's API (/admin/api), with Preact.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const e = h;
const REFRESH_MS = 5000;
let csrf = '';

/** Calls the console's API; throws an Error with the server's message and the status. */
async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = csrf;
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch('api' + path, { // relative: the console may live below AdminBasePath
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = {};
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!r.ok) throw Object.assign(new Error(data.message || 'HTTP ' + r.status), { status: r.status });
  return data;
}

/** The part of location.hash after '#': '/', '/t/<gid>', '/nodes', '/audit'. */
function useRoute() {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const on = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Loads with {@code load} now and every few seconds (live refresh), while {@code deps} stay. */
function useLive(load, deps) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    let live = true;
    const run = () => load().then(
      (data) => live && setState({ data, error: null }),
      (error) => live && setState((s) => ({ data: s.data, error })));
    run();
    const timer = setInterval(run, REFRESH_MS);
    return () => { live = false; clearInterval(timer); };
  }, deps);
  return state;
}

const statusCell = (s) => e('span', { class: 'status-' + s }, s);
const nextRetry = (t) => ['succeed', 'failed'].includes(t.status) ? '-'
  : (t.next_cron_time || '').startsWith('9000-') ? 'parked' : t.next_cron_time || '';

function Login({ onDone }) {
  const [error, setError] = useState('');
  const [ways, setWays] = useState(null);
  useEffect(() => { api('/sign-in').then(setWays, (err) => setError(err.message)); }, []);
  const submit = async (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    try {
      await api('/login', { method: 'POST', body: { name: form.get('name'), password: form.get('password') } });
      onDone();
    } catch (err) { setError(err.message); }
  };
  return e('main', null, e('form', { class: 'login', onSubmit: submit, 'aria-label': 'Sign in' },
    e('h2', null, 'Sign in to dtm4j'),
    ways && ways.oidc && e('a', { class: 'act', href: 'api/oidc/login', id: 'sso' }, 'Sign in with single sign-on'),
    ways && ways.password && [
      e('label', null, 'Name', e('input', { name: 'name', id: 'name', autocomplete: 'username', required: true, autofocus: true })),
      e('label', null, 'Password', e('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      e('button', { class: 'act', type: 'submit', id: 'sign-in' }, 'Sign in')],
    error && e('div', { class: 'banner bad', role: 'alert' }, error)));
}

function Transactions() {
  const [filter, setFilter] = useState({ status: '', transType: '', gidPrefix: '' });
  const [more, setMore] = useState({ items: [], next: '' });
  const query = (position) => '/transactions?limit=50&position=' + encodeURIComponent(position)
    + Object.entries(filter).filter(([, v]) => v).map(([k, v]) => '&' + k + '=' + encodeURIComponent(v)).join('');
  const { data, error } = useLive(() => api(query('')), [JSON.stringify(filter)]);
  const apply = (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    setMore({ items: [], next: '' });
    // the API takes times in ms; the inputs give local date-times
    const ms = (name) => f.get(name) ? String(new Date(f.get(name)).getTime()) : '';
    setFilter({ status: f.get('status'), transType: f.get('transType'), gidPrefix: f.get('gidPrefix').trim(),
      createTimeStart: ms('createdFrom'), createTimeEnd: ms('createdTo'),
      updateTimeStart: ms('updatedFrom'), updateTimeEnd: ms('updatedTo') });
  };
  const loadMore = async () => {
    const from = more.next || data.next_position;
    const page = await api(query(from));
    setMore({ items: more.items.concat(page.transactions || []), next: page.next_position || '' });
  };
  const rows = ((data && data.transactions) || []).concat(more.items);
  const hasMore = more.items.length ? more.next : data && data.next_position;
  return e('section', null,
    e('form', { class: 'filters', onSubmit: apply, 'aria-label': 'Filters' },
      e('label', null, 'Status', e('select', { name: 'status', value: filter.status },
        ['', 'prepared', 'submitted', 'aborting', 'succeed', 'failed'].map((s) => e('option', { value: s }, s || 'any')))),
      e('label', null, 'Type', e('select', { name: 'transType', value: filter.transType },
        ['', 'saga', 'msg', 'tcc', 'xa', 'workflow'].map((s) => e('option', { value: s }, s || 'any')))),
      e('label', null, 'Gid starts with', e('input', { name: 'gidPrefix', id: 'gid-prefix', value: filter.gidPrefix })),
      [['createdFrom', 'Created from'], ['createdTo', 'to'], ['updatedFrom', 'Updated from'], ['updatedTo', 'to']].map(([name, label]) =>
        e('label', null, label, e('input', { name, id: name, type: 'datetime-local', step: 1 }))),
      e('button', { class: 'act', type: 'submit', id: 'apply' }, 'Apply')),
    error && e('div', { class: 'banner bad', role: 'alert' }, error.message),
    e('table', { id: 'transactions' },
      e('thead', null, e('tr', null, ['Gid', 'Type', 'Status', 'Created', 'Next retry', 'Interval', 'Protocol'].map((c) => e('th', null, c)))),
      e('tbody', null, rows.map((t) => e('tr', { key: t.gid },
        e('td', { class: 'mono' }, e('a', { href: '#/t/' + encodeURIComponent(t.gid) }, t.gid)),
        e('td', null, t.trans_type), e('td', null, statusCell(t.status)), e('td', null, t.create_time),
        e('td', null, nextRetry(t)), e('td', null, t.next_cron_interval ? t.next_cron_interval + ' s' : ''),
        e('td', null, t.protocol))))),
    rows.length === 0 && data && e('p', { class: 'note' }, 'No transactions.'),
    hasMore && e('p', null, e('button', { class: 'act', onClick: loadMore }, 'More')));
}

/** A payload: pretty JSON, else text, else hex; long ones cut with a way to see all. */
function Payload({ base64 }) {
  if (!base64) return e('span', { class: 'note' }, 'none');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  let text;
  try {
    const utf8 = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    try { text = JSON.stringify(JSON.parse(utf8), null, 2); } catch { text = utf8; }
  } catch {
    text = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  }
  if (text.length <= 300) return e('pre', { class: 'mono' }, text);
  return e('details', null, e('summary', null, e('pre', { class: 'mono' }, text.slice(0, 300) + '…')),
    e('pre', { class: 'mono' }, text));
}

function Detail({ gid, me }) {
  const [message, setMessage] = useState(null);
  const [tick, setTick] = useState(0);
  const { data, error } = useLive(() => api('/transactions/' + encodeURIComponent(gid)), [gid, tick]);
  const act = async (action, question) => {
    if (!confirm(question)) return;
    try {
      await api('/transactions/' + encodeURIComponent(gid) + '/' + action, { method: 'POST' });
      setMessage({ ok: true, text: action + ': done' });
    } catch (err) { setMessage({ ok: false, text: action + ': ' + err.message }); }
    setTick(tick + 1);
  };
  if (error && !data) return e('div', { class: 'banner bad', role: 'alert' }, error.message);
  if (!data) return e('p', { class: 'note' }, 'Loading…');
  const t = data.transaction;
  if (!t) return e('p', null, 'No transaction with gid ', e('span', { class: 'mono' }, gid), '.');
  const finished = ['succeed', 'failed'].includes(t.status);
  const operator = me.role === 'operator';
  return e('section', null,
    e('p', null, e('a', { href: '#/' }, '← Transactions')),
    e('h2', { class: 'mono' }, gid),
    message && e('div', { class: 'banner' + (message.ok ? '' : ' bad'), role: 'status', id: 'action-result' }, message.text),
    data.parked && e('div', { class: 'banner bad' }, 'Parked: ' + data.parked.reason + ' — ' + data.parked.error),
    operator && !finished && e('p', { class: 'actions' },
      e('button', { class: 'act', id: 'retry', onClick: () => act('retry', 'Retry ' + gid + ' now?') }, 'Retry now'), ' ',
      data.parked && e('button', { class: 'act', id: 'replay', onClick: () => act('replay', 'Replay parked ' + gid + '?') }, 'Replay'), ' ',
      e('button', { class: 'act danger', id: 'stop', onClick: () => act('stop', 'Force-stop ' + gid + '? It ends failed; nothing is compensated.') }, 'Force stop')),
    !operator && e('p', { class: 'note' }, 'Your role (' + me.role + ') can only read.'),
    e('dl', { class: 'fields', id: 'fields' }, Object.entries(t).flatMap(([k, v]) =>
      [e('dt', null, k), e('dd', { class: 'mono' }, k === 'status' ? statusCell(v) : typeof v === 'string' ? v : JSON.stringify(v))])),
    e('h3', null, 'Branches'),
    e('table', { id: 'branches' },
      e('thead', null, e('tr', null, ['Branch', 'Op', 'Status', 'URL', 'Updated', 'Payload'].map((c) => e('th', null, c)))),
      e('tbody', null, data.branches.map((b) => e('tr', null,
        e('td', null, b.branch_id), e('td', null, b.op), e('td', null, statusCell(b.status)),
        e('td', { class: 'mono' }, b.url || ''), e('td', null, b.update_time), e('td', null, e(Payload, { base64: b.bin_data })))))),
    e('h3', null, 'Last unsuccessful calls'),
    Object.keys(data.attempts || {}).length === 0
      ? e('p', { class: 'note' }, 'None recorded.')
      : e('table', { id: 'attempts' },
        e('thead', null, e('tr', null, ['Branch', 'At', 'ms', 'Outcome', 'Answer'].map((c) => e('th', null, c)))),
        e('tbody', null, Object.entries(data.attempts).flatMap(([branch, calls]) => calls.map((c) => e('tr', null,
          e('td', null, branch), e('td', null, c.at), e('td', null, c.ms), e('td', null, c.outcome),
          e('td', { class: 'mono' }, c.error)))))));
}

/** Counts, this node's rounds per second (from two readings) and the stuck transactions. */
function Overview() {
  const [rate, setRate] = useState({ prev: null, ok: null, fail: null });
  const { data, error } = useLive(() => api('/overview').then((o) => {
    const now = Date.now();
    setRate((r) => r.prev === null ? { prev: { at: now, ...o.rounds }, ok: null, fail: null } : {
      prev: { at: now, ...o.rounds },
      ok: (o.rounds.ok - r.prev.ok) * 1000 / (now - r.prev.at),
      fail: (o.rounds.fail - r.prev.fail) * 1000 / (now - r.prev.at),
    });
    return o;
  }), []);
  if (error && !data) return e('div', { class: 'banner bad', role: 'alert' }, error.message);
  if (!data) return e('p', { class: 'note' }, 'Loading…');
  const perSecond = (v) => v === null ? '…' : v.toFixed(1) + '/s';
  return e('section', null,
    e('table', { id: 'counts' },
      e('thead', null, e('tr', null, Object.keys(data.counts).map((s) => e('th', null, statusCell(s))))),
      e('tbody', null, e('tr', null, Object.values(data.counts).map((c) =>
        e('td', null, c.count.toLocaleString('en') + (c.more ? '+' : '')))))),
    e('dl', { class: 'fields', id: 'overview' },
      e('dt', null, 'Due now'), e('dd', null, String(data.due)),
      e('dt', null, 'Parked'), e('dd', null, String(data.parked)),
      e('dt', null, 'Nodes alive'), e('dd', null, String(data.nodes_alive)),
      e('dt', null, 'Rounds on this node'), e('dd', null, perSecond(rate.ok) + ' done, ' + perSecond(rate.fail) + ' ended by an error')),
    e('h3', null, 'Stuck: unfinished after ' + data.stuck_minutes + ' minutes'),
    data.stuck.length === 0 ? e('p', { class: 'note' }, 'None.') : e('table', { id: 'stuck' },
      e('thead', null, e('tr', null, ['Gid', 'Type', 'Status', 'Created', 'Next retry'].map((c) => e('th', null, c)))),
      e('tbody', null, data.stuck.map((t) => e('tr', { key: t.gid },
        e('td', { class: 'mono' }, e('a', { href: '#/t/' + encodeURIComponent(t.gid) }, t.gid)),
        e('td', null, t.trans_type), e('td', null, statusCell(t.status)), e('td', null, t.create_time),
        e('td', null, nextRetry(t)))))));
}

/** Msg topics and their subscribers; operators subscribe, unsubscribe and delete. */
function Topics({ me }) {
  const [tick, setTick] = useState(0);
  const [message, setMessage] = useState(null);
  const { data, error } = useLive(() => api('/topics'), [tick]);
  const operator = me.role === 'operator';
  const act = async (path, body, question) => {
    if (question && !confirm(question)) return;
    try {
      await api('/topics/' + encodeURIComponent(path.topic) + '/' + path.action, { method: 'POST', body });
      setMessage({ ok: true, text: path.action + ': done' });
    } catch (err) { setMessage({ ok: false, text: path.action + ': ' + err.message }); }
    setTick(tick + 1);
  };
  const subscribe = (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    act({ topic: f.get('topic').trim(), action: 'subscribe' }, { url: f.get('url').trim(), remark: f.get('remark') });
  };
  const subscribers = (t) => { try { return JSON.parse(t.v) || []; } catch { return []; } };
  return e('section', null,
    message && e('div', { class: 'banner' + (message.ok ? '' : ' bad'), role: 'status', id: 'topic-result' }, message.text),
    error && e('div', { class: 'banner bad', role: 'alert' }, error.message),
    operator && e('form', { class: 'filters', onSubmit: subscribe, 'aria-label': 'Subscribe' },
      e('label', null, 'Topic', e('input', { name: 'topic', id: 'topic', required: true })),
      e('label', null, 'Subscriber URL', e('input', { name: 'url', id: 'topic-url', required: true, size: 50 })),
      e('label', null, 'Remark', e('input', { name: 'remark', id: 'topic-remark' })),
      e('button', { class: 'act', type: 'submit', id: 'subscribe' }, 'Subscribe')),
    e('table', { id: 'topics' },
      e('thead', null, e('tr', null, ['Topic', 'Subscriber', 'Remark', ''].map((c) => e('th', null, c)))),
      e('tbody', null, ((data && data.topics) || []).flatMap((t) => {
        const subs = subscribers(t);
        const rows = subs.map((sub) => e('tr', null, e('td', { class: 'mono' }, t.k), e('td', { class: 'mono' }, sub.url),
          e('td', null, sub.remark || ''),
          e('td', null, operator && e('button', { class: 'act danger', onClick: () => act({ topic: t.k, action: 'unsubscribe' },
            { url: sub.url }, 'Unsubscribe ' + sub.url + ' from ' + t.k + '?') }, 'Unsubscribe'))));
        if (subs.length === 0) {
          rows.push(e('tr', null, e('td', { class: 'mono' }, t.k), e('td', { class: 'note' }, 'no subscriber'), e('td', null, ''),
            e('td', null, operator && e('button', { class: 'act danger', onClick: () => act({ topic: t.k, action: 'delete' },
              undefined, 'Delete topic ' + t.k + '?') }, 'Delete topic'))));
        }
        return rows;
      }))));
}

function Nodes() {
  const { data, error } = useLive(() => api('/nodes'), []);
  if (error) return e('div', { class: 'banner bad', role: 'alert' }, error.message);
  return e('table', { id: 'nodes' },
    e('thead', null, e('tr', null, ['Id', 'Host', 'HTTP', 'gRPC', 'Version', 'Started', 'Heartbeat', 'Rounds', 'Alive'].map((c) => e('th', null, c)))),
    e('tbody', null, ((data && data.nodes) || []).map((n) => e('tr', null,
      [n.id, n.host, n.http_port, n.grpc_port, n.version, n.started_at, n.heartbeat_at, n.rounds_in_progress, n.alive ? 'yes' : 'no']
        .map((v) => e('td', null, String(v)))))));
}

function Audit() {
  const { data, error } = useLive(() => api('/audit?limit=200'), []);
  if (error) return e('div', { class: 'banner bad', role: 'alert' }, error.message);
  return e('table', { id: 'audit' },
    e('thead', null, e('tr', null, ['At', 'Who', 'Action', 'Target', 'Result'].map((c) => e('th', null, c)))),
    e('tbody', null, ((data && data.entries) || []).map((a) => e('tr', null,
      e('td', null, a.at), e('td', null, a.who), e('td', null, a.action), e('td', { class: 'mono' }, a.target), e('td', null, a.result)))));
}

function App() {
  const [me, setMe] = useState(undefined);
  const [refusal, setRefusal] = useState('');
  const route = useRoute();
  const whoAmI = () => api('/me').then((m) => { csrf = m.csrf; setMe(m); }, (err) => {
    setMe(null);
    setRefusal(err.status === 401 ? '' : err.message);
  });
  useEffect(() => { whoAmI(); }, []);
  if (me === undefined) return e('p', { class: 'note' }, 'Loading…');
  if (me === null && refusal) return e('main', null, e('div', { class: 'banner bad', role: 'alert', id: 'refusal' }, refusal));
  if (me === null) return e(Login, { onDone: whoAmI });
  const logout = () => api('/logout', { method: 'POST' }).finally(() => { csrf = ''; setMe(null); });
  const page = route.startsWith('/t/') ? e(Detail, { gid: decodeURIComponent(route.slice(3)), me })
    : route === '/overview' ? e(Overview) : route === '/topics' ? e(Topics, { me })
    : route === '/nodes' ? e(Nodes) : route === '/audit' ? e(Audit)
    : e(Transactions);
  return e('div', null,
    e('header', null, e('h1', null, 'dtm4j'),
      e('nav', null, e('a', { href: '#/' }, 'Transactions'), e('a', { href: '#/overview', id: 'nav-overview' }, 'Overview'),
        e('a', { href: '#/topics', id: 'nav-topics' }, 'Topics'), e('a', { href: '#/nodes' }, 'Nodes'), e('a', { href: '#/audit', id: 'nav-audit' }, 'Audit log')),
      e('span', { class: 'who' }, me.name + ' (' + me.role + ')', ' ',
        me.mode === 'users' && e('button', { class: 'link', onClick: logout, id: 'sign-out' }, 'Sign out'))),
    e('main', null,
      me.mode === 'loopback' && e('div', { class: 'banner' }, 'No console user is configured: this console answers only clients on this machine (loopback). Configure Console.Users to open it to others.'),
      me.mode === 'insecure' && e('div', { class: 'banner bad' }, 'Console.Insecure is on: anyone who reaches this port can act without signing in.'),
      page));
}

render(e(App), document.getElementById('app'));

// Keyboard shortcuts, listed on /help/keys. In a list, j and k move to the
// next and previous row, o opens it, x ticks its box; anywhere, / goes to the
// search box, ? to the list of shortcuts, g then i, c or h to Intake, All
// cases or My day; on a case, r, n, e and l go to the reply, the note, a new
// email and a new letter. A key typed in a field is the field's own. Anyone
// can turn the shortcuts off (WCAG 2.2 SC 2.1.4, character key shortcuts):
// the choice is kept in this browser.
'use strict';

(() => {
  const STORE = 'casework.keys';
  const GO = new Map([['i', '/intake'], ['c', '/cases'], ['h', '/']]);
  const GO_WITHIN_MS = 1000;
  // Where storage is refused (some private windows) the choice lasts the page.
  let kept = null;
  let goAt = 0;

  function isOff() {
    try {
      return localStorage.getItem(STORE) === 'off';
    } catch (_) {
      return kept === 'off';
    }
  }

  function setOff(off) {
    try {
      if (off) localStorage.setItem(STORE, 'off');
      else localStorage.removeItem(STORE);
    } catch (_) {
      kept = off ? 'off' : null;
    }
  }

  function typing(target) {
    return target instanceof Element && (target.isContentEditable || target.matches('input, textarea, select'));
  }

  const shown = (e) => e.getClientRects().length > 0;

  // The rows of a list: those with a link, in a table in the page's content.
  function rowsOf(table) {
    return [...table.querySelectorAll(':scope > tbody > tr')].filter((tr) => shown(tr) && tr.querySelector('a[href]'));
  }

  function currentTable() {
    const active = document.activeElement;
    const own = active instanceof Element ? active.closest('main table') : null;
    if (own && rowsOf(own).length > 0) return own;
    const marked = document.querySelector('main tr.kb-row');
    const markedTable = marked ? marked.closest('table') : null;
    if (markedTable && rowsOf(markedTable).length > 0) return markedTable;
    return [...document.querySelectorAll('main table')].find((t) => rowsOf(t).length > 0) || null;
  }

  function currentRow() {
    const active = document.activeElement;
    const row = active instanceof Element ? active.closest('main tr') : null;
    return row || document.querySelector('main tr.kb-row');
  }

  function select(row) {
    for (const tr of document.querySelectorAll('tr.kb-row')) tr.classList.remove('kb-row');
    row.classList.add('kb-row');
    row.querySelector('a[href]').focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }

  function move(step) {
    const table = currentTable();
    if (!table) return false;
    const rows = rowsOf(table);
    const at = rows.indexOf(currentRow());
    // From nowhere, either key starts at the first row.
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), rows.length - 1);
    select(rows[next]);
    return true;
  }

  function openRow() {
    const row = currentRow();
    const link = row ? row.querySelector('a[href]') : null;
    if (!link) return false;
    link.click();
    return true;
  }

  function tickRow() {
    const row = currentRow();
    const box = row ? row.querySelector('input[type=checkbox]') : null;
    if (!box || box.disabled) return false;
    box.click();
    return true;
  }

  // The first of `names` marked with data-key on the page: a field is
  // focused, a link followed. Of several marked alike the first on the page
  // is taken, so mark only the reply to the latest message.
  function activate(...names) {
    for (const name of names) {
      const target = [...document.querySelectorAll(`[data-key="${name}"]`)].find(shown);
      if (!target) continue;
      if (target.matches('input, textarea, select')) {
        target.focus({ preventScroll: true });
        target.scrollIntoView({ block: 'nearest' });
      } else {
        target.click();
      }
      return true;
    }
    return false;
  }

  function search() {
    const box = document.getElementById('header-q');
    if (!box) return false;
    box.focus();
    box.select();
    return true;
  }

  function go(path) {
    window.location.assign(path);
    return true;
  }

  const actions = new Map([
    ['j', () => move(1)],
    ['k', () => move(-1)],
    ['o', openRow],
    ['x', tickRow],
    ['/', search],
    ['?', () => go('/help/keys')],
    ['r', () => activate('reply', 'email')],
    ['n', () => activate('note')],
    ['e', () => activate('email')],
    ['l', () => activate('letter')],
  ]);

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (typing(event.target) || isOff()) {
      goAt = 0;
      return;
    }
    const key = event.key;
    if (goAt > 0 && Date.now() - goAt <= GO_WITHIN_MS && GO.has(key)) {
      goAt = 0;
      event.preventDefault();
      go(GO.get(key));
      return;
    }
    goAt = 0;
    if (key === 'g') {
      goAt = Date.now();
      event.preventDefault();
      return;
    }
    const action = actions.get(key);
    if (action && action()) event.preventDefault();
  });

  // The switch on the help page, hidden until this script can work it.
  const panel = document.getElementById('keys-switch');
  const toggle = document.getElementById('keys-toggle');
  const state = document.getElementById('keys-state');
  if (panel && toggle && state) {
    const show = () => {
      const off = isOff();
      state.textContent = off ? 'Keyboard shortcuts are off in this browser.' : 'Keyboard shortcuts are on in this browser.';
      toggle.textContent = off ? 'Turn keyboard shortcuts on' : 'Turn keyboard shortcuts off';
    };
    toggle.addEventListener('click', () => {
      setOff(!isOff());
      show();
    });
    show();
    panel.hidden = false;
  }
})();

// The main menu on a narrow screen: behind a Menu button that opens and
// closes it (app.css hides the menu only while this script has marked it
// collapsible, and only at phone widths). Without this script the menu is
// simply always shown. Escape closes an open menu and puts focus back on the
// button, so a keyboard user is not left inside a list that has vanished.
'use strict';

(() => {
  const nav = document.querySelector('header.top nav');
  const list = nav ? nav.querySelector(':scope > ul[id]') : null;
  if (!nav || !list) return;

  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'menu-button';
  button.textContent = 'Menu';
  button.setAttribute('aria-controls', list.id);
  button.setAttribute('aria-expanded', 'false');
  // Before the nav, so it sits beside the name of the site and the open menu
  // comes under both; the nav stays the landmark holding the links.
  nav.before(button);
  nav.classList.add('collapsible');

  const isOpen = () => button.getAttribute('aria-expanded') === 'true';
  const setOpen = (open) => {
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    nav.classList.toggle('open', open);
  };

  button.addEventListener('click', () => setOpen(!isOpen()));

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented || !isOpen()) return;
    // Escape in a field elsewhere (the search box clears itself) is the field's own.
    const target = event.target;
    const fromMenu = target === button || nav.contains(target) || target === document.body || target === document.documentElement;
    if (!fromMenu) return;
    event.preventDefault();
    setOpen(false);
    button.focus();
  });
})();

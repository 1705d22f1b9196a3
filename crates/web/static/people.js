// Choosing a person as one types: the people a name, email, phone number or
// postcode could mean appear under the box (a live region), each a button
// that chooses them. Without JavaScript the Find button shows the same
// choices after a round trip. The box is named by data-for on the region,
// whose data-choices is where the choices come from (an HTML fragment).
'use strict';

for (const region of document.querySelectorAll('[data-choices]')) {
  const input = document.getElementById(region.dataset.for);
  if (!input) continue;
  let timer = null;
  let shown = input.value.trim();
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q === shown) return;
      shown = q;
      if (q.length < 2) {
        region.textContent = '';
        return;
      }
      const sep = region.dataset.choices.includes('?') ? '&' : '?';
      try {
        const r = await fetch(`${region.dataset.choices}${sep}person=${encodeURIComponent(q)}`, {
          credentials: 'same-origin',
        });
        // A redirect means the session ended (the sign-in page): leave
        // the region as it is; the Find button still works.
        if (r.ok && !r.redirected && input.value.trim() === q) region.innerHTML = await r.text();
      } catch (_) {
        // Offline or refused: the Find button still works.
      }
    }, 250);
  });
  // A relationship typed after the choices appeared goes with the choice.
  region.addEventListener('submit', (e) => {
    const typed = document.getElementById('relationship');
    const hidden = e.target.querySelector('input[name="relationship"]');
    if (typed && hidden) hidden.value = typed.value;
  });
}

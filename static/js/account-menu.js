// The account menu is a <details>: it works without scripts. With them it also closes on
// Escape and on a click elsewhere, as menus do.
export function enhanceAccountMenu() {
  const menu = document.querySelector('.account-menu')
  if (!menu) return
  document.addEventListener('click', (event) => {
    if (menu.open && !menu.contains(event.target)) menu.open = false
  })
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && menu.open) {
      menu.open = false
      menu.querySelector('summary').focus()
    }
  })
}

// What the XSS suite runs inside the page, as plain JavaScript (the project compiles without
// the DOM types). The init script runs before any of the page's own code.

/** Defines __xss (the payloads call it) and records every CSP violation. */
export const probeInitScript = `
  window.__fired = [];
  window.__violations = [];
  window.__xss = (n) => window.__fired.push(n);
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sample);
  });
`

export interface ProbeFindings {
  fired: unknown[]
  violations: string[]
  /** Markup that only injected text could have made: handlers, script URLs, frames. */
  dangerous: string[]
}

/** An expression that scans the loaded page and evaluates to ProbeFindings. */
export const probeScan = `(() => {
  const dangerous = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const value = attribute.value.trim().toLowerCase();
      if (attribute.name.startsWith('on')) dangerous.push(element.tagName + ' ' + attribute.name);
      if (['href', 'src', 'action', 'formaction', 'srcdoc', 'data'].includes(attribute.name) &&
          (attribute.name === 'srcdoc' || /^(javascript|vbscript|data:text)/.test(value)))
        dangerous.push(element.tagName + ' ' + attribute.name + '=' + value.slice(0, 40));
    }
  }
  for (const script of document.scripts)
    if (!script.src || new URL(script.src).origin !== location.origin)
      dangerous.push('script ' + (script.src || script.text.slice(0, 40)));
  for (const tag of ['iframe', 'object', 'embed', 'base', 'meta[http-equiv]'])
    if (document.querySelector(tag)) dangerous.push(tag);
  if (document.body.innerText.includes('TPL49')) dangerous.push('template evaluated');
  return { fired: window.__fired, violations: window.__violations, dangerous };
})()`

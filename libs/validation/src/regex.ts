// RE2 regular expressions (Envoy and Go use RE2): approximated with the JS engine after rejecting
// the constructs RE2 lacks and translating the ones whose spelling differs.

/** Checks a RE2 regex: at most 1024 characters and compilable; `where` names the field in the message. */
export function checkRegex(re: string, where: string): string | undefined {
  if (re.length > 1024) return `"${where}": regex is too large, max length allowed is 1024`;
  const bad = /\(\?<?[=!]|\\[1-9]|\\k</.exec(re);
  if (bad) return `"${where}": error parsing regexp: invalid or unsupported Perl syntax: \`${bad[0]}\``;
  for (const m of re.matchAll(/(?<!\\)\{(\d+)(?:,(\d*))?\}/g)) {
    if (Number(m[1]) > 1000 || (m[2] !== undefined && m[2] !== '' && Number(m[2]) > 1000)) {
      return `"${where}": error parsing regexp: invalid repeat count: \`${m[0]}\``;
    }
  }
  let js = re.replace(/\(\?P</g, '(?<');
  let flags = 'u';
  // Leading inline flags (?i) / (?s) / (?m) are RE2 syntax; JS takes them as flags.
  const inline = /^\(\?([imsU]+)\)/.exec(js);
  if (inline) {
    js = js.slice(inline[0].length);
    for (const f of inline[1] ?? '') if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  try {
    new RegExp(js, flags);
    return undefined;
  } catch {
    try {
      new RegExp(js);
      return undefined;
    } catch (err) {
      return `"${where}": error parsing regexp: ${(err as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
    }
  }
}

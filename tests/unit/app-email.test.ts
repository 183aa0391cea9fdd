import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMAIL_MAX_LENGTH, isValidEmail, normalizeEmail } from '../../src/app/users/email.js';

describe('normalizeEmail', () => {
  const cases: [string, string][] = [
    ['ann@example.org', 'ann@example.org'],
    ['  Ann@Example.ORG \n', 'ann@example.org'],
    ['\tBOB.Smith+Tag@Sub.Example.COM', 'bob.smith+tag@sub.example.com'],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} -> ${expected}`, () => assert.equal(normalizeEmail(raw), expected));
  }
});

describe('isValidEmail', () => {
  const local64 = 'a'.repeat(64);
  const label63 = 'b'.repeat(63);
  const longest = `${local64}@${[label63, label63, 'c'.repeat(EMAIL_MAX_LENGTH - 64 - 1 - 63 - 63 - 2 - 4), 'com'].join('.')}`;
  const accepted = [
    'ann@example.org',
    'first.last+tag@mail.example.co.uk',
    "o'brien@example.ie",
    'x@xn--bcher-kva.example',
    'a-b_c@ex-ample.org',
    `${local64}@example.org`,
    `a@${label63}.org`,
    longest,
  ];
  const rejected: [string, string][] = [
    ['', 'empty'],
    ['ann', 'no @'],
    ['@example.org', 'no local part'],
    ['ann@', 'no domain'],
    ['ann@localhost', 'single-label domain'],
    ['ann@example.c', 'one-letter top-level domain'],
    ['ann@example.123', 'numeric top-level domain'],
    ['ann@-example.org', 'label starts with a hyphen'],
    ['ann@example-.org', 'label ends with a hyphen'],
    ['ann@example..org', 'empty label'],
    ['.ann@example.org', 'local part starts with a dot'],
    ['an..n@example.org', 'two dots in the local part'],
    ['ann @example.org', 'space'],
    ['"ann"@example.org', 'quoted local part'],
    ['ann@[192.0.2.1]', 'IP literal'],
    ['ann@exämple.org', 'non-ASCII domain'],
    ['änn@example.org', 'non-ASCII local part'],
    ['a@b@example.org', 'two @'],
    [`${local64}a@example.org`, 'local part of 65 characters'],
    [`a@${label63}b.org`, 'label of 64 characters'],
    [longest.replace(/\.com$/, '.comx'), 'longer than 254 characters (every part valid)'],
  ];
  it(`accepts the longest address (${longest.length} characters)`, () => assert.equal(longest.length, EMAIL_MAX_LENGTH));
  for (const email of accepted) it(`accepts ${email.length > 40 ? `${email.slice(0, 40)}...` : email}`, () => assert.equal(isValidEmail(email), true));
  for (const [email, why] of rejected) it(`rejects ${why}`, () => assert.equal(isValidEmail(email), false));
  it('does not depend on case', () => assert.equal(isValidEmail('Ann@Example.ORG'), true));
});

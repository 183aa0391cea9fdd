/**
 * Email addresses as the API stores them. Decision: the whole address is trimmed and lower-cased
 * before validation and storage. RFC 5321 lets a mail server treat the local part as
 * case-sensitive, but practically every provider does not, and two accounts for `Ann@x.org` and
 * `ann@x.org` would be a support problem; one canonical form also makes the unique index mean
 * "one account per mailbox". Only plain ASCII mailboxes are accepted (no quoted local parts, IP
 * literals or single-label domains): those are valid RFC 5322 but almost always typos here.
 */

/** RFC 5321: a forward path holds at most 254 characters of address. */
export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_LENGTH = 64;
const LABEL_MAX_LENGTH = 63;

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
const TOP_LABEL = /^(?:[a-z]{2,}|xn--[a-z0-9-]+)$/i;

/** The stored form of an address: surrounding whitespace removed, lower case. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** True for an address the API accepts (case-insensitive; store {@link normalizeEmail}'s form). */
export function isValidEmail(email: string): boolean {
  if (email.length > EMAIL_MAX_LENGTH) return false;
  const at = email.lastIndexOf('@');
  if (at <= 0) return false;
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  if (local.length > LOCAL_MAX_LENGTH || !LOCAL_PART.test(local)) return false;
  if (labels.length < 2 || !TOP_LABEL.test(labels[labels.length - 1]!)) return false;
  return labels.every((l) => l.length <= LABEL_MAX_LENGTH && LABEL.test(l));
}

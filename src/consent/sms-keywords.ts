import { SmsKeywordAction } from './consent.type';

/**
 * The keywords every organization's contacts can text, as carriers and the CTIA's guidelines name
 * them, with ARRET for French speakers. An organization adds its own beside them (sms_keyword).
 */
export const BUILT_IN_KEYWORDS: ReadonlyMap<string, SmsKeywordAction> = new Map([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE', 'ARRET'].map(
    (keyword) => [keyword, SmsKeywordAction.OPT_OUT] as const,
  ),
  ...['START', 'UNSTOP', 'YES'].map((keyword) => [keyword, SmsKeywordAction.OPT_IN] as const),
]);

export const MAX_KEYWORD_LENGTH = 32;

/** A keyword: one word of letters and digits (any script), as carriers match them. */
export const KEYWORD_PATTERN = /^[\p{L}\p{N}]{1,32}$/u;

/**
 * The keyword a message is, as carriers match it: the whole body, trimmed, is one word, in any
 * case; undefined when it cannot be one (spaces inside, punctuation, too long).
 */
export function keywordOf(body: string): string | undefined {
  const word = body.trim().toUpperCase();
  return KEYWORD_PATTERN.test(word) ? word : undefined;
}

/**
 * A phone as providers send it, in E.164: spaces, dots, dashes and brackets dropped, a leading 00
 * read as +. Undefined when what is left is no E.164 number: digits without a + or 00 are refused
 * rather than guessed (5551234567 could be a national number of one country or +55 of another).
 */
export function e164Of(phone: string): string | undefined {
  let digits = phone.replace(/[\s.\-()\u00a0]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  return /^\+[1-9]\d{1,14}$/.test(digits) ? digits : undefined;
}

/**
 * A form field's phone as its sender meant it: a provider that leaves a + unencoded sends
 * `From=+2126…`, which form decoding reads as a space. Only a form door reads it so.
 */
export function formEncodedPhone(value: string): string {
  return value.replace(/^ (?=\d)/, '+');
}

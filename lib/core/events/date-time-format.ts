/** A format check: true when the text is in the format. */
export type FormatCheck = (text: string) => boolean;

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const ZERO = 48;

/** The number written by the two ASCII digits at `at`, or -1 when they are not two digits. */
function twoDigits(text: string, at: number): number {
  const high = text.charCodeAt(at) - ZERO;
  const low = text.charCodeAt(at + 1) - ZERO;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * The `date-time` format check `full` (ajv-formats' RFC 3339 check), answered without regular
 * expressions for the shape nearly every timestamp has, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` within
 * ordinary ranges: the same verdict `full` gives, which a property test checks. Any other text
 * (another offset, a leap second, a lower-case separator, anything malformed) goes to `full`.
 */
export function withFastPath(full: FormatCheck): FormatCheck {
  return (text) => {
    const length = text.length;
    if (
      length < 20 ||
      text.charCodeAt(length - 1) !== 90 || // Z
      text.charCodeAt(4) !== 45 || // -
      text.charCodeAt(7) !== 45 ||
      text.charCodeAt(10) !== 84 || // T
      text.charCodeAt(13) !== 58 || // :
      text.charCodeAt(16) !== 58
    ) {
      return full(text);
    }
    if (length > 20) {
      if (length === 21 || text.charCodeAt(19) !== 46) return full(text); // a . and a digit at least
      for (let at = 20; at < length - 1; at++) {
        const digit = text.charCodeAt(at) - ZERO;
        if (digit < 0 || digit > 9) return full(text);
      }
    }
    const century = twoDigits(text, 0);
    const yearInCentury = twoDigits(text, 2);
    const month = twoDigits(text, 5);
    const day = twoDigits(text, 8);
    const hour = twoDigits(text, 11);
    const minute = twoDigits(text, 14);
    const second = twoDigits(text, 17);
    if (
      century < 0 ||
      yearInCentury < 0 ||
      day < 0 ||
      month < 1 ||
      month > 12 ||
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 59
    ) {
      return full(text);
    }
    const year = century * 100 + yearInCentury;
    const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month] ?? 0);
    return day >= 1 && day <= days;
  };
}

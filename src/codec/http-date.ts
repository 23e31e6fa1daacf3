/**
 * HTTP dates, as Werkzeug writes (`http_date`) and reads (`parse_date`) them
 * for Flask's ` d` tag: `Www, DD Mon YYYY HH:MM:SS GMT`, whole seconds, UTC.
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Werkzeug's `http_date`: IMF-fixdate in GMT, sub-second part dropped
 * (Python drops microseconds, i.e. rounds toward the past).
 *
 * @example
 * httpDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))); // "Tue, 02 Jan 2024 03:04:05 GMT"
 */
export function httpDate(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("httpDate: invalid Date");
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const year = d.getUTCFullYear();
  const yyyy = year >= 0 && year < 10000 ? String(year).padStart(4, "0") : String(year);
  return (
    `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${yyyy} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`
  );
}

function digits(text: string, start: number, count: number): number {
  let v = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Werkzeug's `parse_date` for the ` d` tag: the exact IMF-fixdate Flask
 * writes is parsed by hand (fast, locale- and timezone-proof); other RFC 2822
 * spellings go to `Date.parse`. `null` when unparsable, as Werkzeug returns `None`.
 *
 * @example
 * parseHttpDate("Tue, 02 Jan 2024 03:04:05 GMT")?.toISOString(); // "2024-01-02T03:04:05.000Z"
 */
export function parseHttpDate(text: string): Date | null {
  // "Tue, 02 Jan 2024 03:04:05 GMT" — 29 characters, fixed positions.
  if (text.length === 29 && text.endsWith(" GMT") && text.charCodeAt(3) === 0x2c) {
    const day = digits(text, 5, 2);
    const month = MONTHS.indexOf(text.slice(8, 11));
    const year = digits(text, 12, 4);
    const h = digits(text, 17, 2);
    const m = digits(text, 20, 2);
    const s = digits(text, 23, 2);
    if (day >= 1 && day <= 31 && month >= 0 && year >= 0 && h <= 23 && h >= 0 && m >= 0 && m <= 59 && s >= 0 && s <= 59) {
      const d = new Date(0);
      d.setUTCFullYear(year, month, day);
      d.setUTCHours(h, m, s, 0);
      // Python refuses Feb 30 and similar: Date would roll over to the next month.
      if (d.getUTCDate() === day) return d;
      return null;
    }
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return null;
  return new Date(Math.floor(ms / 1000) * 1000);
}

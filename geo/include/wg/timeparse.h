/* wg/timeparse.h: date/time text from public data -> UTC instants, with IANA time zones read
 * straight from the system's TZif files.
 *
 * Instants are int64_t seconds since 1970-01-01T00:00:00Z on the proleptic Gregorian calendar,
 * without leap seconds (POSIX time). "Local seconds" are the same count for a wall-clock
 * reading taken as if it were UTC: 2011-03-01 14:27:57 local is 1298989677 local seconds
 * whatever the zone. Nothing here touches TZ, tzset(), localtime() or mktime(): every function
 * is safe from any thread, and a loaded wg_tz may be shared by threads (it is never modified). */
#ifndef WG_TIMEPARSE_H
#define WG_TIMEPARSE_H

#include "wg/core.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wg_tz wg_tz;

/* Loads a time zone. `name` is one of:
 *  - an IANA name ("America/New_York", "Asia/Shanghai", "Etc/GMT-8"), read from the TZif file
 *    (version 1, 2, 3 or 4) under /usr/share/zoneinfo;
 *  - "UTC" or "Z";
 *  - a fixed offset east of Greenwich: "+08:00", "-0500", "+08", "-5" (hours 0-23, minutes
 *    0-59).
 * Past the file's last transition the POSIX TZ rule in the file's footer applies (e.g.
 * "EST5EDT,M3.2.0,M11.1.0"); a file without a usable footer keeps its last offset. Debian's
 * files list transitions through 2037 anyway.
 * On success *out is a new zone the caller frees with wg_tz_free(); on failure *out is untouched.
 * Errors: WG_EINPUT "unknown time zone 'NAME' ..." when the name is neither an offset nor a zone
 * file (names with "..", a leading '/' or odd characters are refused before any file is
 * opened; a directory or a non-TZif file such as "zone.tab" counts as unknown), and for
 * "right/..." zones, which count leap seconds; WG_EIO when a zone file cannot be read or is
 * damaged; WG_ENOMEM. */
wg_status wg_tz_load(wg_ctx *ctx, const char *name, wg_tz **out);

/* Makes a time zone of the bytes of a TZif file, buf[0..len) (version 1, 2, 3 or 4, with the
 * footer's POSIX TZ rule as for wg_tz_load(), which reads zone files through it). `name` only
 * names the zone in messages. The bytes are only read, and may come from anywhere.
 * On success *out is a new zone the caller frees with wg_tz_free(); on failure *out is untouched.
 * Errors: WG_EINPUT "time zone 'NAME' is not valid TZif (WHY, in N bytes)", WHY being "not a
 * TZif file", "truncated", "impossible counts", "bad local time type" or "bad transition", and
 * "... counts leap seconds ..." for a file that lists leap seconds; WG_ENOMEM. */
wg_status wg_tz_from_tzif(wg_ctx *ctx, const char *name, const unsigned char *buf, size_t len,
                          wg_tz **out);

/* Frees a zone from wg_tz_load(). NULL does nothing. */
void wg_tz_free(wg_tz *tz);

/* Converts local wall-clock seconds in `tz` to UTC seconds.
 *  - A wall time that occurs twice (the hour repeated when DST ends) maps to its first, earlier
 *    occurrence: 2011-11-06 01:30 in New York is 05:30Z (EDT), not 06:30Z (EST).
 *  - A wall time that never occurs (skipped when DST starts) is read with the offset in force
 *    before the gap, so it lands just after the jump: 2011-03-13 02:30 in New York is 07:30Z,
 *    which New Yorkers call 03:30 EDT.
 * local_s is clamped to +-2^53 seconds (about 285 million years) to keep the arithmetic exact;
 * tz must not be NULL. */
int64_t wg_tz_to_utc(const wg_tz *tz, int64_t local_s);

/* Reads `text` (NUL-terminated, not NULL) as a date and time and writes the UTC instant to
 * *utc_s. Leading and trailing white space is ignored.
 *
 * fmt NULL recognises, case-insensitively:
 *  - ISO 8601 and its common relatives: "2014-09-18", "2014-9-18", "2012/07/01 00:00:00"
 *    (year first), "20140918"; then optionally a time after 'T' or spaces: "13:53",
 *    "13:53:00", "13:53:00.123" and, after 'T', "1353" or "135300";
 *  - US numeric dates, month first: "03/01/2011", "3/1/2011", "03-01-2011", "3/1/11" (a 2-digit
 *    year means 1969-2068, as POSIX %y; it is accepted only here and after a dash, "18-Sep-14");
 *  - English dates: "September 18, 2014", "Sept. 18th 2014", "Sep 18 2014", "18 Sep 2014",
 *    "18-Sep-2014", optionally after a weekday ("Thu, ", "Thursday "), which is skipped and
 *    not checked against the date; month names full, 3-letter, or "Sept"; ordinals 1st, 2nd,
 *    3rd, 4th... (the suffix is not checked against the number);
 *  - after the date, a time "14:27", "2:27:57", "01:53" optionally followed, with or without
 *    a space, by am/pm in any of the forms "AM", "pm", "a.m.", "P.M", or an hour alone with
 *    am/pm ("1pm"); with am/pm the hour must be 1-12, and 12 AM is midnight, 12 PM noon;
 *  - after the time, a zone: "Z", "+08:00", "+0800", "+08", "-5", "UTC", "GMT" (optionally
 *    followed by an offset, "GMT+8"). A zone in the text wins over `tz`.
 * Fractional seconds are truncated: "12:00:59.999" is read as 12:00:59. A date alone means
 * midnight local time. Fields are checked: month 1-12, day within its month (leap years
 * included), hour 0-23, minute and second 0-59 (no leap second 60, no 24:00).
 *
 * fmt non-NULL is a strptime()-style format matched by wangge itself (not the C library):
 *   %Y year (exactly 4 digits)  %y 2-digit year (69-99 -> 19xx, 00-68 -> 20xx)  %m month  %d, %e
 * day %j day of year  %H hour 0-23  %I hour 1-12  %M minute  %S second (a fraction after it,
 *   ".123" or ",123", is consumed and truncated unless fmt itself continues with '.' or ',')
 *   %p am/pm (forms as above)  %b %B %h month name  %a %A weekday name (skipped)
 *   %z "Z", +hh:mm, +hhmm or +hh  %Z a zone name: UTC, GMT, UT or Z mean offset 0, any other
 *   name is skipped and `tz` applies  %T = %H:%M:%S  %R = %H:%M  %D = %m/%d/%y  %F = %Y-%m-%d
 *   %n %t and white space: any amount of white space, including none  %% a literal '%'.
 * Numeric fields read at most their width (2 digits, 4 for %Y, 3 for %j) and skip white space
 * before them. The whole text must be consumed. A year is required; a missing month or day is
 * 1; a missing time is midnight. %p applies to %I and %H alike (the hour must then be 1-12);
 * %I without %p reads as AM, as strptime() does. %j is used only when %m and %d are absent.
 * Weekdays are skipped, never checked.
 *
 * tz NULL means UTC. On failure *utc_s is untouched and the error is WG_EINPUT with the message
 *   cannot read 'TEXT' as a date/time (expected FMT)
 * where FMT is the format given, or "ISO 8601 or a common US form" when fmt is NULL (TEXT longer
 * than 200 bytes is cut). */
wg_status wg_time_parse(wg_ctx *ctx, const char *text, const char *fmt, const wg_tz *tz,
                        int64_t *utc_s);

/* Formats utc_s as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" (20 characters) into buf of n bytes; n >= 21
 * holds it all. Years outside 0000-9999 print with more digits and a sign, needing a larger
 * buffer. The output is always NUL-terminated when n > 0, truncated if it does not fit. */
void wg_time_format_utc(int64_t utc_s, char *buf, size_t n);

#endif

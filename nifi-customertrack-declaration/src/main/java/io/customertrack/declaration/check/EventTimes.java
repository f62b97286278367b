package io.customertrack.declaration.check;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The one textual form of event times in CustomerTrack files, UTC with microseconds (2026-01-31T12:00:00.000000Z), and
 * the one parser of the ISO-8601 times producers send. Both are written out by hand: they run for every record, and
 * java.time's formatters cost several times more and signal bad input with exceptions that carry stack traces.
 */
public final class EventTimes {

    private static final int CANONICAL_LENGTH = "2026-01-31T12:00:00.000000Z".length();
    private static final int MAX_OFFSET_SECONDS = 18 * 3600;

    /** Why a text is not an event time; without a stack trace, because rejected values are routine input. */
    public static final class InvalidEventTimeException extends Exception {
        InvalidEventTimeException(final String reason) {
            super(reason, null, false, false);
        }
    }

    private EventTimes() {
    }

    /** The canonical form of an instant of the years 0000-9999, truncated to microseconds. */
    public static String format(final Instant instant) {
        final long epochSecond = instant.getEpochSecond();
        final long epochDay = Math.floorDiv(epochSecond, 86_400L);
        final int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        final LocalDate date = LocalDate.ofEpochDay(epochDay);
        final char[] text = new char[CANONICAL_LENGTH];
        digits(text, 0, date.getYear(), 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        text[19] = '.';
        digits(text, 20, instant.getNano() / 1000, 6);
        text[26] = 'Z';
        return new String(text);
    }

    /**
     * Parses {@code yyyy-MM-dd}, 'T' or a space, {@code HH:mm}, optionally {@code :ss} and then a fraction of 1 to 9
     * digits (digits beyond microseconds are dropped), then 'Z', an offset {@code ±HH:mm} of at most 18 hours, or
     * nothing (read as UTC).
     *
     * @throws InvalidEventTimeException with a reason for people when the text is anything else
     */
    public static Instant parse(final String text) throws InvalidEventTimeException {
        final int length = text.length();
        if (length < 16 || text.charAt(4) != '-' || text.charAt(7) != '-' || (text.charAt(10) != 'T' && text.charAt(10) != ' ')
                || text.charAt(13) != ':') {
            throw new InvalidEventTimeException("is not an ISO-8601 timestamp such as 2026-01-31T12:00:00.000000Z");
        }
        final boolean hasSeconds = length >= 19 && text.charAt(16) == ':';
        final int year = number(text, 0, 4);
        final int month = number(text, 5, 2);
        final int day = number(text, 8, 2);
        final int hour = number(text, 11, 2);
        final int minute = number(text, 14, 2);
        final int second = hasSeconds ? number(text, 17, 2) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            throw new InvalidEventTimeException("is not an ISO-8601 timestamp such as 2026-01-31T12:00:00.000000Z");
        }
        if (month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month)) {
            throw new InvalidEventTimeException("names a day that does not exist");
        }
        if (second == 60) {
            throw new InvalidEventTimeException("is a leap second (:60), which neither java.time nor Snowflake represents; "
                    + "send 23:59:59.999999 or the next second");
        }
        if (hour > 23 || minute > 59 || second > 59) {
            throw new InvalidEventTimeException("has a time of day beyond 23:59:59");
        }
        int position = hasSeconds ? 19 : 16;
        int nanos = 0;
        if (hasSeconds && position < length && text.charAt(position) == '.') {
            final int start = ++position;
            while (position < length && text.charAt(position) >= '0' && text.charAt(position) <= '9') {
                position++;
            }
            final int fractionDigits = position - start;
            if (fractionDigits == 0) {
                throw new InvalidEventTimeException("has a decimal point without fraction digits");
            }
            if (fractionDigits > 9) {
                throw new InvalidEventTimeException("has more than 9 fraction digits");
            }
            nanos = number(text, start, fractionDigits);
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
            nanos -= nanos % 1000;
        }
        final int offsetSeconds = offsetSeconds(text, position);
        final long epochSecond = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The zone at {@code position}: nothing (UTC), 'Z', or ±HH:mm within ±18:00, as seconds east of UTC. */
    private static int offsetSeconds(final String text, final int position) throws InvalidEventTimeException {
        final int length = text.length();
        if (position == length) {
            return 0;
        }
        final char zone = text.charAt(position);
        if (zone == 'Z' && position + 1 == length) {
            return 0;
        }
        if ((zone == '+' || zone == '-') && position + 6 == length && text.charAt(position + 3) == ':') {
            final int hours = number(text, position + 1, 2);
            final int minutes = number(text, position + 4, 2);
            if (hours >= 0 && minutes >= 0 && minutes <= 59) {
                final int seconds = hours * 3600 + minutes * 60;
                if (seconds > MAX_OFFSET_SECONDS) {
                    throw new InvalidEventTimeException("has an offset beyond ±18:00");
                }
                return zone == '+' ? seconds : -seconds;
            }
        }
        throw new InvalidEventTimeException("ends in '" + text.substring(position) + "' where 'Z' or an offset such as +01:00 belongs");
    }

    static int lengthOfMonth(final int year, final int month) {
        if (month == 2) {
            return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    /** The ASCII digits at [start, start + digits) as a number, or -1 when any is not one. */
    private static int number(final String text, final int start, final int digits) {
        int value = 0;
        for (int i = start; i < start + digits; i++) {
            final char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static void digits(final char[] text, final int start, final int value, final int width) {
        int remaining = value;
        for (int i = start + width - 1; i >= start; i--) {
            text[i] = (char) ('0' + remaining % 10);
            remaining /= 10;
        }
    }
}

package io.customertrack.nifi.customer;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The one textual form of event times in CustomerTrack files: UTC, microsecond precision, e.g. 2026-01-31T12:00:00.000000Z.
 * Parsing and formatting are hand-written for the common shapes because they run for every record on the hot path
 * (java.time's formatters cost several times more); anything unusual falls back to java.time.
 */
public final class EventTimes {

    private static final int CANONICAL_LENGTH = "2026-01-31T12:00:00.000000Z".length();
    private static final int[] CANONICAL_DIGIT_POSITIONS = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25};

    private EventTimes() {
    }

    public static String format(final Instant instant) {
        return formatMicros(ChronoUnit.MICROS.between(Instant.EPOCH, instant));
    }

    /** Formats microseconds since the epoch (years 0000-9999). */
    public static String formatMicros(final long epochMicros) {
        final long epochSecond = Math.floorDiv(epochMicros, 1_000_000L);
        final int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
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
        digits(text, 20, micros, 6);
        text[26] = 'Z';
        return new String(text);
    }

    /** Whether {@code text} has the length of the canonical form (a first, cheap test). */
    static boolean isCanonicalLength(final String text) {
        return text.length() == CANONICAL_LENGTH;
    }

    /** Whether {@code text} is already in the canonical form (so it can be written unchanged once parsed). */
    static boolean isCanonical(final String text) {
        return text.length() == CANONICAL_LENGTH && text.charAt(10) == 'T' && text.charAt(19) == '.' && text.charAt(26) == 'Z';
    }

    /**
     * Whether the first {@code length} characters are exactly the canonical form with a real date and time, i.e. text
     * that {@link #tryParseMicros} accepts and {@link #isCanonical} keeps as it is; checked without computing the instant.
     */
    static boolean isCanonicalForm(final char[] s, final int length) {
        if (length != CANONICAL_LENGTH || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':'
                || s[19] != '.' || s[26] != 'Z') {
            return false;
        }
        int outside = 0; // negative once a digit position holds anything but an ASCII digit
        for (final int position : CANONICAL_DIGIT_POSITIONS) {
            final int c = s[position];
            outside |= (c - '0') | ('9' - c);
        }
        if (outside < 0) {
            return false;
        }
        final int year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
        final int month = twoDigits(s, 5);
        final int day = twoDigits(s, 8);
        return month >= 1 && month <= 12 && day >= 1 && day <= lengthOfMonth(year, month)
                && twoDigits(s, 11) <= 23 && twoDigits(s, 14) <= 59 && twoDigits(s, 17) <= 59;
    }

    private static int twoDigits(final char[] s, final int start) {
        return (s[start] - '0') * 10 + (s[start + 1] - '0');
    }

    /**
     * Parses ISO-8601 with 'Z' or an offset, 'T' or a space between date and time, or no zone (read as UTC), into
     * microseconds since the epoch; digits beyond microseconds are dropped. Returns {@link Long#MIN_VALUE} for
     * anything else rather than throwing: rejected values are routine input for a validator, and exceptions cost
     * microseconds each.
     */
    public static long tryParseMicros(final String text) {
        final long fast = parseCommonShape(text);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        if (text.length() < 16 || number(text, 0, 4) < 0 || text.charAt(4) != '-') {
            return Long.MIN_VALUE; // not even a date: no need to ask java.time
        }
        String iso = text;
        if (iso.length() > 10 && iso.charAt(10) == ' ') {
            iso = iso.substring(0, 10) + 'T' + iso.substring(11);
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(iso).toInstant();
        } catch (final DateTimeParseException withoutOffset) {
            try {
                instant = LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
            } catch (final DateTimeParseException notIso) {
                return Long.MIN_VALUE;
            }
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    /** yyyy-MM-dd[T ]HH:mm:ss[.f{1,9}][Z|±HH:mm]; returns Long.MIN_VALUE when the text has another shape. */
    private static long parseCommonShape(final String s) {
        final int length = s.length();
        if (length < 19 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != ' ')
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        final int year = number(s, 0, 4);
        final int month = number(s, 5, 2);
        final int day = number(s, 8, 2);
        final int hour = number(s, 11, 2);
        final int minute = number(s, 14, 2);
        final int second = number(s, 17, 2);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        int position = 19;
        long micros = 0;
        if (position < length && s.charAt(position) == '.') {
            position++;
            int fractionDigits = 0;
            while (position < length && s.charAt(position) >= '0' && s.charAt(position) <= '9') { // ASCII only
                if (fractionDigits < 6) {
                    micros = micros * 10 + (s.charAt(position) - '0');
                }
                fractionDigits++;
                position++;
            }
            if (fractionDigits == 0 || fractionDigits > 9) {
                return Long.MIN_VALUE;
            }
            for (int i = fractionDigits; i < 6; i++) {
                micros *= 10;
            }
        }
        int offsetSeconds = 0;
        if (position < length) {
            final char zone = s.charAt(position);
            if (zone == 'Z' && position + 1 == length) {
                offsetSeconds = 0;
            } else if ((zone == '+' || zone == '-') && position + 6 == length && s.charAt(position + 3) == ':') {
                final int offsetHours = number(s, position + 1, 2);
                final int offsetMinutes = number(s, position + 4, 2);
                if (offsetHours < 0 || offsetHours > 18 || offsetMinutes < 0 || offsetMinutes > 59) {
                    return Long.MIN_VALUE;
                }
                offsetSeconds = (zone == '+' ? 1 : -1) * (offsetHours * 3600 + offsetMinutes * 60);
            } else {
                return Long.MIN_VALUE;
            }
        }
        if (month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month)) {
            return Long.MIN_VALUE; // an impossible date such as 2026-02-30
        }
        final long epochDay = epochDay(year, month, day);
        final long epochSecond = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return epochSecond * 1_000_000L + micros;
    }

    private static int lengthOfMonth(final int year, final int month) {
        if (month == 2) {
            return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
        }
        return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
    }

    /**
     * Days since 1970-01-01 of a proleptic Gregorian date, by arithmetic (years counted from March, so the leap day
     * is the last day of its year) instead of LocalDate objects: this runs for every record.
     */
    static long epochDay(final int year, final int month, final int day) {
        final long marchYear = month <= 2 ? year - 1L : year;
        final long era = Math.floorDiv(marchYear, 400L);
        final long yearOfEra = marchYear - era * 400L;
        final long dayOfYear = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        final long dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }

    private static int number(final String s, final int start, final int digits) {
        int value = 0;
        for (int i = start; i < start + digits; i++) {
            final char c = s.charAt(i);
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

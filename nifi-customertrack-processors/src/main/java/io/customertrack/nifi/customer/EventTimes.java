package io.customertrack.nifi.customer;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** The one textual form of event times in CustomerTrack files: UTC, microsecond precision, e.g. 2026-01-31T12:00:00.000000Z. */
public final class EventTimes {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");

    private EventTimes() {
    }

    public static String format(final Instant instant) {
        return formatMicros(ChronoUnit.MICROS.between(Instant.EPOCH, instant));
    }

    /** Formats microseconds since the epoch. */
    public static String formatMicros(final long epochMicros) {
        final long epochSecond = Math.floorDiv(epochMicros, 1_000_000L);
        final int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
        final StringBuilder text = new StringBuilder(27);
        text.append(SECONDS.format(LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC))).append('.');
        final String fraction = Integer.toString(micros);
        text.append("000000", 0, 6 - fraction.length()).append(fraction).append('Z');
        return text.toString();
    }
}

package io.customertrack.declaration.check;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one parser and format of event times. */
class EventTimesTest {

    @ParameterizedTest
    @CsvSource({
            "2026-01-31T12:00:00Z,               2026-01-31T12:00:00.000000Z",
            "2026-01-31 12:00:00,                2026-01-31T12:00:00.000000Z",
            "2026-01-31T13:30:00.5+01:30,        2026-01-31T12:00:00.500000Z",
            "2026-01-31T12:00:00.123456789Z,     2026-01-31T12:00:00.123456Z",
            "2026-02-01T06:00:00+18:00,          2026-01-31T12:00:00.000000Z",
            "2026-01-30T18:00:00-18:00,          2026-01-31T12:00:00.000000Z",
            "2026-01-31T12:00Z,                  2026-01-31T12:00:00.000000Z",
            "1969-12-31T23:59:59.999999Z,        1969-12-31T23:59:59.999999Z"})
    void parsesAndFormatsEventTimes(final String text, final String canonical) throws Exception {
        assertEquals(canonical, EventTimes.format(EventTimes.parse(text)));
    }

    /** java.time's own ISO_INSTANT output, the form most producers write, parses to the instant it came from. */
    @Test
    void parsesWhatJavaTimeWrites() throws Exception {
        final Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            final Instant instant = Instant.EPOCH.plus(random.nextLong(-2_000_000_000_000_000L, 8_000_000_000_000_000L), ChronoUnit.MICROS);
            final String text = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertEquals(instant, EventTimes.parse(text), text);
            assertEquals(instant, EventTimes.parse(EventTimes.format(instant)), "the canonical form parses back");
        }
        assertThrows(EventTimes.InvalidEventTimeException.class, () -> EventTimes.parse("2100-02-29T00:00:00Z"), "2100 is not a leap year");
        assertEquals(Instant.parse("2000-02-29T00:00:00Z"), EventTimes.parse("2000-02-29T00:00:00Z"), "2000 is a leap year");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-01-31T12:00:00.\u0663Z", "2026-01-31T12:00:00.1234567890Z"})
    void rejectsFractionsThatAreNotAsciiDigits(final String text) {
        assertThrows(EventTimes.InvalidEventTimeException.class, () -> EventTimes.parse(text), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday at noon", "2026-02-30T12:00:00Z", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z", "31/01/2026",
            "2026-01-31T12:00:00+1", "2026-01-31T12Z", "2026-01-31T12:00.5Z"})
    void rejectsWhatIsNotATimestamp(final String text) {
        assertThrows(EventTimes.InvalidEventTimeException.class, () -> EventTimes.parse(text), text);
    }
}

package io.customertrack.nifi.customer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomerRecordValidatorTest {

    @ParameterizedTest
    @ValueSource(strings = {"a@b.io", "ada.lovelace+crm@example.co.uk", "o'brien@x-y.example.org", "A1!#$%&'*+/=?^_`{|}~-@d.com"})
    void acceptsPracticalAddresses(final String email) {
        assertTrue(CustomerRecordValidator.isEmailAddress(email), email);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "@b.io", "a@", "a@b", "a@@b.io", "a@b@c.io", ".a@b.io", "a.@b.io", "a..b@c.io", "a@-b.io",
            "a@b-.io", "a@b..io", "a@b.i", "a@b.i0", "a b@c.io", "a@b c.io", "a@b.io.", "ä@b.io",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.io"})
    void rejectsMalformedAddresses(final String email) {
        assertFalse(CustomerRecordValidator.isEmailAddress(email), email);
    }

    @ParameterizedTest
    @CsvSource({
            "2026-01-31T12:00:00Z,               2026-01-31T12:00:00.000000Z",
            "2026-01-31 12:00:00,                2026-01-31T12:00:00.000000Z",
            "2026-01-31T13:30:00.5+01:30,        2026-01-31T12:00:00.500000Z",
            "2026-01-31T12:00:00.123456789Z,     2026-01-31T12:00:00.123456Z",
            "2026-01-31T12:00Z,                  2026-01-31T12:00:00.000000Z",
            "1969-12-31T23:59:59.999999Z,        1969-12-31T23:59:59.999999Z"})
    void parsesAndFormatsEventTimes(final String text, final String canonical) {
        final long micros = EventTimes.tryParseMicros(text);
        assertTrue(micros != Long.MIN_VALUE, text);
        assertEquals(canonical, EventTimes.formatMicros(micros));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday at noon", "2026-02-30T12:00:00Z", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z", "31/01/2026", "2026-01-31T12:00:00+1"})
    void rejectsWhatIsNotATimestamp(final String text) {
        assertEquals(Long.MIN_VALUE, EventTimes.tryParseMicros(text), text);
    }
}

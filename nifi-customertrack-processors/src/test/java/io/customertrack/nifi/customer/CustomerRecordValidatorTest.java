package io.customertrack.nifi.customer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /** The hand-written scan must agree with the rule written as a regular expression, on random near-addresses. */
    @Test
    void emailScanAgreesWithItsRegularExpression() {
        final String atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
        final String label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        final Pattern rule = Pattern.compile("(?=.{1,64}@)" + atom + "(?:\\." + atom + ")*@(?:" + label + "\\.)+[A-Za-z]{2,63}");
        final String alphabet = "aZ09.@-+_'ä ";
        final Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            final StringBuilder candidate = new StringBuilder();
            final int length = random.nextInt(14);
            for (int j = 0; j < length; j++) {
                candidate.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            final String text = candidate.toString();
            assertEquals(rule.matcher(text).matches(), CustomerRecordValidator.isEmailAddress(text), text);
        }
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

    @Test
    void computesEpochDaysAsJavaTimeDoes() {
        for (LocalDate date = LocalDate.of(1899, 1, 1); date.getYear() <= 2101; date = date.plusDays(1)) {
            assertEquals(date.toEpochDay(), EventTimes.epochDay(date.getYear(), date.getMonthValue(), date.getDayOfMonth()), date::toString);
        }
        for (final LocalDate date : List.of(LocalDate.of(0, 1, 1), LocalDate.of(0, 2, 29), LocalDate.of(400, 3, 1), LocalDate.of(9999, 12, 31))) {
            assertEquals(date.toEpochDay(), EventTimes.epochDay(date.getYear(), date.getMonthValue(), date.getDayOfMonth()), date::toString);
        }
    }

    @Test
    void parsesWhatJavaTimeParses() {
        final Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            final Instant instant = Instant.EPOCH.plus(random.nextLong(-2_000_000_000_000_000L, 8_000_000_000_000_000L), ChronoUnit.MICROS);
            final String text = DateTimeFormatter.ISO_INSTANT.format(instant);
            assertEquals(ChronoUnit.MICROS.between(Instant.EPOCH, instant), EventTimes.tryParseMicros(text), text);
        }
        assertEquals(Long.MIN_VALUE, EventTimes.tryParseMicros("2100-02-29T00:00:00Z"), "2100 is not a leap year");
        assertTrue(EventTimes.tryParseMicros("2000-02-29T00:00:00Z") != Long.MIN_VALUE, "2000 is a leap year");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-01-31T12:00:00.\u0663Z", "2026-01-31T12:00:00.1234567890Z"})
    void rejectsFractionsThatAreNotAsciiDigits(final String text) {
        assertEquals(Long.MIN_VALUE, EventTimes.tryParseMicros(text), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday at noon", "2026-02-30T12:00:00Z", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z", "31/01/2026", "2026-01-31T12:00:00+1"})
    void rejectsWhatIsNotATimestamp(final String text) {
        assertEquals(Long.MIN_VALUE, EventTimes.tryParseMicros(text), text);
    }

    /**
     * Whatever the skew, no event time reaches the merge's open-version sentinel (9999-12-31 00:00:00): both checks
     * accept the microsecond before it and reject it and everything later, saying why.
     */
    @Test
    void noSkewLetsAnEventTimeReachTheMergesOpenVersionSentinel() {
        final CustomerRecordValidator validator = new CustomerRecordValidator(Duration.ofDays(3_000_000), false,
                Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC));
        final String[] lastAccepted = {"1", "Ada", "Lovelace", "ada@example.com", "s", "c", "st", "co", "INSERT", "9999-12-30T23:59:59.999999Z"};
        assertTrue(validator.validate(lastAccepted, List.of()).isValid());
        assertTrue(validator.acceptsUnchanged(lastAccepted, List.of()));
        for (final String time : List.of("9999-12-31T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z")) {
            final String[] atSentinel = lastAccepted.clone();
            atSentinel[9] = time;
            atSentinel[8] = "DELETE";
            assertFalse(validator.acceptsUnchanged(atSentinel, List.of()), time);
            final CustomerRecordValidator.Result result = validator.validate(atSentinel, List.of());
            assertFalse(result.isValid(), time);
            assertTrue(result.describeViolations().contains("which the merge reserves for versions still open"), result.describeViolations());
        }
    }

    /**
     * The allocation-free check must give validate()'s verdict (valid and unchanged) on every record it is asked about
     * without normalising: random records built from good, borderline and broken values of every field, with and
     * without extra fields.
     */
    @Test
    void acceptsUnchangedExactlyWhatValidateAcceptsUnchanged() {
        final Clock clock = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
        final String[][] pools = new String[CustomerField.values().length][];
        pools[CustomerField.CUSTOMER_ID.ordinal()] = new String[]{"1", "42", "42", "007", "0", "-5", "12a", " 5", "5 ", "", null,
            "9223372036854775807", "9223372036854775808", "99999999999999999999", "1234567890123456789", "123456789012345678",
            "\u0663", "4\u0663"};
        final String[] text = {"Ada", "Ada", "O'Brien; DROP TABLE customer;--", "caf\u00e9", "\u00A0", "\u3000", "\u3000x", " ", "  ",
            "", null, "a\tb", "x\u0085", "\uFFFD", " Ada ", "\t", "x".repeat(100), "x".repeat(101), "x".repeat(254)};
        for (final CustomerField field : CustomerField.values()) {
            if (field.isFreeText()) {
                pools[field.ordinal()] = text;
            }
        }
        pools[CustomerField.EMAIL.ordinal()] = new String[]{"ada@example.com", "ada@example.com", "Ada@Example.COM", " ada@example.com",
            "ada@example", "", "  ", null, "a@b.io", "a".repeat(64) + "@" + ("b".repeat(59) + ".").repeat(3) + "bcom",
            "a".repeat(64) + "@" + ("b".repeat(60) + ".").repeat(3) + "bcom"};
        pools[CustomerField.OP.ordinal()] = new String[]{"INSERT", "UPDATE", "DELETE", "DELETE", "delete", " DELETE", "", null, "MERGE"};
        pools[CustomerField.UPDATED_AT.ordinal()] = new String[]{"2026-01-31T12:00:00.000000Z", "2026-01-31T12:00:00.000000Z",
            "2026-01-31T12:00:00Z", "2026-01-31 12:00:00", "2026-01-31T12:00:00.000000+00:00", "2026-06-01T00:05:00.000000Z",
            "2026-06-01T00:05:00.000001Z", "1900-01-01T00:00:00.000000Z", "1899-12-31T23:59:59.999999Z",
            "2026-02-30T00:00:00.000000Z", "2026-01-31T12:00:00.00000aZ", " 2026-01-31T12:00:00.000000Z", "soon", "", null,
            "2026-01-31T24:00:00.000000Z", "2026-01-31T12:60:00.000000Z", "2026-01-31T12:00:60.000000Z", "2024-02-29T00:00:00.000000Z",
            "2100-02-29T00:00:00.000000Z", "2026-01-31t12:00:00.000000z", "2026-06-01T00:05:00.000000Z", "2026-00-10T00:00:00.000000Z",
            "2026-01-00T00:00:00.000000Z", "2026-01-31T12:00:00.000000\u0396"};
        final Random random = new Random(11);
        final int[] verdicts = new int[2];
        for (int i = 0; i < 200_000; i++) {
            final boolean normalize = random.nextInt(8) == 0;
            final List<String> unexpected = random.nextInt(16) == 0 ? List.of("extra_column") : List.of();
            final CustomerRecordValidator validator = new CustomerRecordValidator(Duration.ofMinutes(5), normalize, clock);
            final String[] values = new String[pools.length];
            for (int f = 0; f < pools.length; f++) {
                // Mostly good values (the first of each pool), so that records with one broken field are common.
                values[f] = random.nextInt(3) == 0 ? pools[f][random.nextInt(pools[f].length)] : pools[f][0];
            }
            final String[] before = values.clone();
            final CustomerRecordValidator.Result result = validator.validate(values, unexpected);
            // While normalising, the check declines every record (normalising may change any value): validate decides.
            // Rewriting a value to its canonical form always changes its text.
            final boolean expected = !normalize && result.isValid() && Arrays.equals(values, result.values());
            assertEquals(expected, validator.acceptsUnchanged(values, unexpected),
                    () -> Arrays.toString(values) + " normalize=" + normalize + " unexpected=" + unexpected + " " + result.violations());
            assertArrayEquals(before, values);
            verdicts[expected ? 1 : 0]++;
        }
        assertTrue(verdicts[0] > 50_000 && verdicts[1] > 20_000, () -> "too one-sided to mean much: " + Arrays.toString(verdicts));
    }
}

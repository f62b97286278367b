package io.customertrack.declaration.check;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each type and rule of the declaration vocabulary, compiled, against hostile values. */
class AttributeCheckTest {

    private static AttributeCheck attribute(final String json) {
        final Declaration declaration = Declaration.parse("{\"attributes\": [" + json + "]}");
        return AttributeCheck.compile(declaration.attributes().getFirst());
    }

    private static final AttributeCheck AMOUNT = attribute("{\"name\": \"amount\", \"type\": \"NUMBER(5,2)\", \"required\": true, \"personal\": false}");
    private static final AttributeCheck FLAG = attribute("{\"name\": \"flag\", \"type\": \"BOOLEAN\", \"required\": true, \"personal\": false}");
    private static final AttributeCheck DAY = attribute("{\"name\": \"day\", \"type\": \"DATE\", \"required\": true, \"personal\": false}");
    private static final AttributeCheck AT = attribute("{\"name\": \"at\", \"type\": \"TIMESTAMP_NTZ\", \"required\": true, \"personal\": false}");
    private static final AttributeCheck NAME = attribute("{\"name\": \"name\", \"type\": \"VARCHAR(4)\", \"required\": true, \"personal\": true,"
            + " \"rules\": {\"noControlCharacters\": true}}");

    /** The canonical text, or the violation's summary key. */
    private static String judge(final AttributeCheck check, final String value, final boolean normalize) {
        final List<Violation> violations = new ArrayList<>();
        final String canonical = check.check(value, normalize, false, violations);
        if (canonical == null) {
            assertEquals(1, violations.size(), violations::toString);
            return violations.getFirst().summaryKey();
        }
        assertTrue(violations.isEmpty(), violations::toString);
        return canonical;
    }

    private static String judge(final AttributeCheck check, final String value) {
        return judge(check, value, false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0           | 0",
            "-0          | 0",
            "-0.00       | 0",
            "007         | 7",
            "123.45      | 123.45",
            "-999.99     | -999.99",
            "1.50        | 1.5",
            "0.5         | 0.5",
            "00.10       | 0.1",
            "999.990     | 999.99",
            "1000        | amount.too_many_digits",
            "1.234       | amount.too_many_digits",
            "99999999999999999999999999999999999999999 | amount.too_many_digits",
            "1e5         | amount.not_a_number",
            "1E5         | amount.not_a_number",
            "+1          | amount.not_a_number",
            ".5          | amount.not_a_number",
            "1.          | amount.not_a_number",
            "-           | amount.not_a_number",
            "--1         | amount.not_a_number",
            "1-          | amount.not_a_number",
            "NaN         | amount.not_a_number",
            "Infinity    | amount.not_a_number",
            "1,000       | amount.not_a_number",
            "0x10        | amount.not_a_number",
            "\u0661      | amount.not_a_number",
            "1.2.3       | amount.not_a_number"})
    void numbersArePlainDecimalsWithinPrecisionAndScale(final String value, final String expected) {
        assertEquals(expected, judge(AMOUNT, value));
    }

    @Test
    void numbersWithSpacesAreRefusedUnlessNormalised() {
        assertEquals("amount.not_a_number", judge(AMOUNT, " 5"));
        assertEquals("amount.not_a_number", judge(AMOUNT, "5 "));
        assertEquals("5", judge(AMOUNT, " 5 ", true));
        assertEquals("amount.not_a_number", judge(AMOUNT, "- 5", true));
    }

    @Test
    void aHugeNumberIsJudgedInLinearTimeAndNotQuotedWhole() {
        final String huge = "9".repeat(1_000_000);
        final List<Violation> violations = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertNull(AMOUNT.check(huge, false, false, violations)));
        assertTrue(violations.getFirst().message().length() < 300, violations.getFirst().message());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "true  | true", "false | false", "TRUE  | true", "False | false", "tRuE | true",
            "yes   | flag.not_a_boolean", "1 | flag.not_a_boolean", "0 | flag.not_a_boolean", "t | flag.not_a_boolean",
            "on    | flag.not_a_boolean", "truee | flag.not_a_boolean", "'true ' | flag.not_a_boolean"})
    void booleansAreTrueOrFalseInAnyCase(final String value, final String expected) {
        assertEquals(expected, judge(FLAG, value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2024-02-29 | 2024-02-29", "1582-01-01 | 1582-01-01", "9999-12-31 | 9999-12-31",
            "2024-02-30 | day.not_a_date", "2023-02-29 | day.not_a_date", "1900-02-29 | day.not_a_date", "2024-13-01 | day.not_a_date",
            "2024-00-10 | day.not_a_date", "2024-01-00 | day.not_a_date", "2024-1-01 | day.not_a_date", "20240101 | day.not_a_date",
            "2024-01-01T00:00:00Z | day.not_a_date", "+2024-01-01 | day.not_a_date", "10000-01-01 | day.not_a_date",
            "0000-01-01 | day.out_of_range", "1581-12-31 | day.out_of_range", "２０２４-01-01 | day.not_a_date"})
    void datesAreIsoCalendarDatesOfTheYears1582To9999(final String value, final String expected) {
        assertEquals(expected, judge(DAY, value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2026-01-31T12:00:00Z            | 2026-01-31T12:00:00.000000Z",
            "2026-01-31T13:30:00.5+01:30     | 2026-01-31T12:00:00.500000Z",
            "1582-01-01T00:00:00.000000Z     | 1582-01-01T00:00:00.000000Z",
            "9999-12-31T23:59:59.999999Z     | 9999-12-31T23:59:59.999999Z",
            "9999-12-31T23:00:00-05:00       | at.out_of_range",
            "1581-12-31T23:59:59.999999Z     | at.out_of_range",
            "0000-01-01T00:00:00Z            | at.out_of_range",
            "2024-02-30T00:00:00Z            | at.not_a_timestamp",
            "yesterday                       | at.not_a_timestamp",
            "2026-01-31T12:00:60Z            | at.not_a_timestamp"})
    void timestampsTakeUpdatedAtsFormAndBecomeItsCanonicalUtcText(final String value, final String expected) {
        assertEquals(expected, judge(AT, value));
    }

    @Test
    void varcharLengthsCountCodePointsAndControlCharactersComeFirst() {
        final String emoji = "\uD83D\uDE00";
        assertEquals(emoji.repeat(4), judge(NAME, emoji.repeat(4)), "four surrogate pairs are four characters");
        assertEquals("name.too_long", judge(NAME, emoji.repeat(5)));
        assertEquals("name.too_long", judge(NAME, "abc" + emoji + "d"));
        assertEquals("name.control_character", judge(NAME, "a\u0000"));
        assertEquals("name.control_character", judge(NAME, "x\u0085y"));
        assertEquals("name.invalid_encoding", judge(NAME, "\uFFFD"));
        assertEquals("name.control_character", judge(NAME, "a\u0007" + "x".repeat(100)), "the character, not the length");
        assertEquals(" ab ", judge(NAME, " ab "), "kept as sent without normalising");
        assertEquals("ab", judge(NAME, " ab ", true));
        assertEquals("name.required", judge(NAME, "\u200B\u00A0"));
        assertEquals("name.invalid_encoding", judge(NAME, "ab\uD83D"), "a high surrogate at the end");
        assertEquals("name.invalid_encoding", judge(NAME, "\uDE00ab"), "a low surrogate first");
        assertEquals("name.invalid_encoding", judge(NAME, "a\uD83Db"), "a high surrogate before a plain character");
    }

    @Test
    void maxLengthIsARuleBelowTheTypesLength() {
        final AttributeCheck note = attribute("{\"name\": \"note\", \"type\": \"VARCHAR(10)\", \"required\": true, \"personal\": false,"
                + " \"rules\": {\"maxLength\": 3}}");
        assertEquals("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", judge(note, "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00"));
        assertEquals("note.too_long", judge(note, "abcd"));
    }

    @Test
    void emailIsTheLinearScanAndLowerCasedOnlyWhenNormalised() {
        final AttributeCheck email = attribute("{\"name\": \"email\", \"type\": \"VARCHAR(254)\", \"required\": true, \"personal\": true,"
                + " \"rules\": {\"email\": true}}");
        assertEquals("Ada@Example.COM", judge(email, "Ada@Example.COM"));
        assertEquals("ada@example.com", judge(email, " Ada@Example.COM ", true));
        assertEquals("email.invalid_syntax", judge(email, "ada@example"));
        assertEquals("email.invalid_syntax", judge(email, "a".repeat(65) + "@example.com"));
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertEquals("email.too_long", judge(email, "a@" + "b.".repeat(200) + "com")));
    }

    @Test
    void patternsMatchTheWholeValueWithinTheTypesLength() {
        final AttributeCheck code = attribute("{\"name\": \"code\", \"type\": \"VARCHAR(30)\", \"required\": true, \"personal\": false,"
                + " \"rules\": {\"pattern\": \"(a|aa)+b\"}}");
        assertEquals("aab", judge(code, "aab"));
        assertEquals("code.pattern_mismatch", judge(code, "xaab"), "the whole value, not a part of it");
        assertEquals("code.pattern_mismatch", judge(code, "aab\n"));
        // Backtracking-prone input: bounded by VARCHAR(30) before the expression ever sees it.
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertEquals("code.pattern_mismatch", judge(code, "a".repeat(29) + "c")));
        assertEquals("code.too_long", judge(code, "a".repeat(100_000) + "c"));
    }

    @Test
    void aPatternThatExhaustsTheStackOnALongValueIsAMismatchNotAnError() {
        final AttributeCheck note = attribute("{\"name\": \"note\", \"type\": \"VARCHAR(1000000)\", \"required\": true,"
                + " \"personal\": false, \"rules\": {\"pattern\": \"(a|b)*\"}}");
        assertEquals("abab", judge(note, "abab"));
        assertEquals("note.pattern_mismatch", judge(note, "ab".repeat(400_000)));
    }

    /** A VARCHAR holds 16 MB whatever its length in characters: a long one refuses a value of more bytes of UTF-8. */
    @Test
    void aLongVarcharRefusesAValueOfMoreBytesThanSnowflakeHolds() {
        final AttributeCheck note = attribute("{\"name\": \"note\", \"type\": \"VARCHAR(16777216)\", \"required\": true,"
                + " \"personal\": false}");
        final int maxBytes = TypeCheck.VarcharCheck.MAX_BYTES;
        for (final String fits : List.of("a".repeat(maxBytes), "\u20ac".repeat(maxBytes / 3), "\uD83D\uDE00".repeat(maxBytes / 4),
                "\u00e9".repeat(maxBytes / 2))) {
            assertEquals(fits.length(), judge(note, fits).length(), "exactly or just within 16 MB");
        }
        for (final String tooLong : List.of("\u20ac".repeat(maxBytes / 3 + 1), "\uD83D\uDE00".repeat(maxBytes / 4 + 1),
                "\u00e9".repeat(maxBytes / 2) + "a")) {
            final List<Violation> violations = new ArrayList<>();
            assertNull(note.check(tooLong, false, false, violations));
            assertEquals(1, violations.size());
            assertEquals("note.too_long", violations.getFirst().summaryKey());
            assertTrue(violations.getFirst().message().matches("has \\d+ bytes in UTF-8, more than the 16777216 bytes a Snowflake VARCHAR holds"),
                    violations.getFirst().message());
        }
        // Characters beyond the declared length are still counted as characters.
        final AttributeCheck quarter = attribute("{\"name\": \"note\", \"type\": \"VARCHAR(4194304)\", \"required\": true,"
                + " \"personal\": false}");
        assertEquals(maxBytes / 2, judge(quarter, "\uD83D\uDE00".repeat(maxBytes / 4)).length(), "4 bytes a character: within 16 MB");
        final List<Violation> violations = new ArrayList<>();
        assertNull(quarter.check("a".repeat(maxBytes / 4 + 1), false, false, violations));
        assertEquals("has 4194305 characters, more than the 4194304 the column holds", violations.getFirst().message());
    }

    @Test
    void oneOfComparesCanonicalText() {
        final AttributeCheck tier = attribute("{\"name\": \"tier\", \"type\": \"VARCHAR(8)\", \"required\": true, \"personal\": false,"
                + " \"rules\": {\"oneOf\": [\"GOLD\", \"SILVER\"]}}");
        assertEquals("GOLD", judge(tier, "GOLD"));
        assertEquals("tier.not_one_of", judge(tier, "gold"));
        assertEquals("tier.not_one_of", judge(tier, "GOLD "));
        assertEquals("GOLD", judge(tier, "GOLD ", true));
        final AttributeCheck size = attribute("{\"name\": \"size\", \"type\": \"NUMBER(3,1)\", \"required\": true, \"personal\": false,"
                + " \"rules\": {\"oneOf\": [\"1.5\", \"2\"]}}");
        assertEquals("1.5", judge(size, "01.50"));
        assertEquals("2", judge(size, "2.0"));
        assertEquals("size.not_one_of", judge(size, "3"));
    }

    @Test
    void minAndMaxBoundTheNumberInclusively() {
        final AttributeCheck score = attribute("{\"name\": \"score\", \"type\": \"NUMBER(3,0)\", \"required\": true, \"personal\": false,"
                + " \"rules\": {\"min\": 300, \"max\": 850}}");
        assertEquals("300", judge(score, "300"));
        assertEquals("850", judge(score, "850"));
        assertEquals("score.out_of_range", judge(score, "299"));
        assertEquals("score.out_of_range", judge(score, "851"));
        assertEquals("score.out_of_range", judge(score, "-0"));
        assertEquals("score.too_many_digits", judge(score, "1000"));
    }

    @Test
    void aRuleNoValueCouldKeepIsRefusedWhenCompiledNamingTheAttribute() {
        final DeclarationException oneOf = assertThrows(DeclarationException.class, () -> attribute(
                "{\"name\": \"tier\", \"type\": \"VARCHAR(4)\", \"required\": true, \"personal\": false, \"rules\": {\"oneOf\": [\"GOLD\", \"SILVER\"]}}"));
        assertTrue(oneOf.getMessage().startsWith("attribute 'tier': rule oneOf value 'SILVER'"), oneOf.getMessage());
        final DeclarationException notANumber = assertThrows(DeclarationException.class, () -> attribute(
                "{\"name\": \"size\", \"type\": \"NUMBER(3,1)\", \"required\": true, \"personal\": false, \"rules\": {\"oneOf\": [\"1.25\"]}}"));
        assertTrue(notANumber.getMessage().contains("'size'"), notANumber.getMessage());
        final DeclarationException min = assertThrows(DeclarationException.class, () -> attribute(
                "{\"name\": \"score\", \"type\": \"NUMBER(3,0)\", \"required\": true, \"personal\": false, \"rules\": {\"min\": -1000}}"));
        assertTrue(min.getMessage().startsWith("attribute 'score': rule min -1000 does not fit the type NUMBER(3,0)"), min.getMessage());
        final DeclarationException max = assertThrows(DeclarationException.class, () -> attribute(
                "{\"name\": \"score\", \"type\": \"NUMBER(5,2)\", \"required\": true, \"personal\": false, \"rules\": {\"max\": 0.001}}"));
        assertTrue(max.getMessage().contains("rule max 0.001"), max.getMessage());
        final DeclarationException pattern = assertThrows(DeclarationException.class, () -> attribute(
                "{\"name\": \"code\", \"type\": \"VARCHAR(9)\", \"required\": true, \"personal\": false,"
                        + " \"rules\": {\"pattern\": \"[A-Z]+\", \"oneOf\": [\"ABC\", \"abc\"]}}"));
        assertTrue(pattern.getMessage().contains("'abc' could never be accepted"), pattern.getMessage());
    }

    @Test
    void everyAttributeOfTheShippedDeclarationsCompiles() {
        for (final Declaration declaration : List.of(Declaration.defaultDeclaration(), Declaration.example("wide"))) {
            for (final Attribute attribute : declaration.attributes()) {
                assertEquals(attribute.name(), AttributeCheck.compile(attribute).name());
            }
        }
    }
}

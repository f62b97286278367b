package io.customertrack.nifi.customer;

import io.customertrack.declaration.check.EventTimes;
import io.customertrack.declaration.check.Violation;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomerRecordValidatorTest {

    /** A JSON or Avro reader's numbers and times reach the checks as plain decimals and UTC, not as their toString. */
    @Test
    void typedValuesFromOtherReadersAreReadAsTheirPlainText() {
        assertEquals("12345678", CustomerRecordValidator.asText(1.2345678E7));
        assertEquals("0.0000001", CustomerRecordValidator.asText(new java.math.BigDecimal("1E-7")));
        assertEquals("NaN", CustomerRecordValidator.asText(Double.NaN), "left for the NUMBER check to refuse");
        final Instant instant = Instant.parse("2026-01-01T10:00:00.123456Z");
        assertEquals("2026-01-01T10:00:00.123456Z", CustomerRecordValidator.asText(java.sql.Timestamp.from(instant)));
        assertEquals("1990-05-17", CustomerRecordValidator.asText(java.sql.Date.valueOf("1990-05-17")));
        assertEquals("10:15:30", CustomerRecordValidator.asText(java.sql.Time.valueOf("10:15:30")), "read as text, then refused by its type");
    }


    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final String[] GOOD = {"1", "Ada", "Lovelace", "ada@example.com", "s", "c", "st", "co", "INSERT", "2026-01-31T12:00:00.000000Z"};

    private static final CustomerSchema SCHEMA = CompiledDeclaration.defaultDeclaration().schema();
    private static final int ATTRIBUTES = CompiledDeclaration.defaultDeclaration().size();

    private final CustomerRecordValidator validator = new CustomerRecordValidator(Duration.ofMinutes(5), false, NOW);

    /** The default declaration's file columns, in order. */
    enum Field {
        CUSTOMER_ID, FIRST_NAME, LAST_NAME, EMAIL, STREET, CITY, STATE, COUNTRY, OP, UPDATED_AT;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Declared with the noControlCharacters rule. */
        boolean isFreeText() {
            return this != CUSTOMER_ID && this != EMAIL && this != OP && this != UPDATED_AT;
        }
    }

    /** A record as a CSV reader delivers it: the ten customer fields as text, in file order. */
    static Record record(final Object... values) {
        final List<RecordField> fields = new ArrayList<>();
        final Map<String, Object> map = new LinkedHashMap<>();
        for (final Field field : Field.values()) {
            fields.add(new RecordField(field.column(), RecordFieldType.STRING.getDataType()));
            map.put(field.column(), values[field.ordinal()]);
        }
        return new MapRecord(new SimpleRecordSchema(fields), map);
    }

    private static Record good(final Field field, final Object value) {
        final Object[] values = java.util.Arrays.copyOf(GOOD, GOOD.length, Object[].class);
        values[field.ordinal()] = value;
        return record(values);
    }

    private CustomerRecordValidator.Result validate(final Field field, final Object value) {
        return validator.validate(good(field, value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2026-01-31T12:00:00+19:00 | an offset beyond ±18:00",
            "2026-01-31T12:00:00-18:01 | an offset beyond ±18:00",
            "2026-01-31T12:00:00+18:30 | an offset beyond ±18:00",
            "2026-01-31T12:00:00.Z     | a decimal point without fraction digits",
            "2026-01-31T12:00:00.      | a decimal point without fraction digits",
            "2026-12-31T23:59:60Z      | a leap second",
            "2026-12-31T23:59:60.5Z    | a leap second"})
    void rejectsLenientTimestampsSayingWhy(final String text, final String reason) {
        final CustomerRecordValidator.Result result = validate(Field.UPDATED_AT, text);
        assertFalse(result.isValid(), text);
        assertEquals("updated_at.unparseable", result.violations().getFirst().summaryKey());
        assertTrue(result.describeViolations().contains(reason), result.describeViolations());
    }

    @Test
    void aValidRecordBecomesItsEventInCanonicalForm() {
        final CustomerRecordValidator.Result result = validator.validate(record("007", "Ada", "Lovelace", "ada@example.com", "s", "c", "st",
                "co", "UPDATE", "2026-01-31T13:30:00.5+01:30"));
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals(new CustomerEvent(7, CustomerEvent.Operation.UPDATE, Instant.parse("2026-01-31T12:00:00.5Z"),
                List.of("Ada", "Lovelace", "ada@example.com", "s", "c", "st", "co")), result.event());
        assertEquals("2026-01-31T12:00:00.500000Z", EventTimes.format(result.event().updatedAt()));
    }

    @Test
    void aDeleteNeedsOnlyItsKeyOperationAndTime() {
        final CustomerRecordValidator.Result result = validator.validate(record("5", null, "", " ", null, null, null, null, "DELETE",
                "2026-01-31T12:00:00Z"));
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals(CustomerEvent.delete(5, Instant.parse("2026-01-31T12:00:00Z"), ATTRIBUTES), result.event());
        assertEquals(List.of("first_name.required", "last_name.required", "email.required", "street.required", "city.required",
                        "state.required", "country.required", "op.required", "updated_at.required"),
                validator.validate(record("5", " ", null, null, null, null, null, null, null, null)).violations().stream()
                        .map(Violation::summaryKey).toList(), "not a DELETE: every field is required");
    }

    @Test
    void anErasureRequestCarriesOnlyItsKeyOperationAndTime() {
        final CustomerRecordValidator.Result result = validator.validate(record("5", null, "", " ", null, null, null, null, "ERASE",
                "2026-01-31T12:00:00Z"));
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals(CustomerEvent.erase(5, Instant.parse("2026-01-31T12:00:00Z"), ATTRIBUTES), result.event());

        final CustomerRecordValidator.Result personal = validator.validate(record("5", "Ada", null, "ada@example.com", null, null, null,
                "United Kingdom", "ERASE", "2026-01-31T12:00:00Z"));
        assertEquals(CustomerEvent.erase(5, Instant.parse("2026-01-31T12:00:00Z"), ATTRIBUTES), personal.event(), "applied without the values");
        assertTrue(personal.isCorrectedErasure());
        assertEquals(List.of("first_name.not_allowed_in_erasure", "email.not_allowed_in_erasure", "country.not_allowed_in_erasure"),
                personal.corrections().stream().map(Violation::summaryKey).toList());
        assertFalse(personal.corrections().toString().contains("Ada") || personal.corrections().toString().contains("ada@example.com"),
                "the reason does not repeat the personal value: " + personal.corrections());

        final CustomerRecordValidator.Result noKey = validator.validate(record(null, null, null, null, null, null, null, null, "ERASE", null));
        assertTrue(noKey.isUnresolvedErasure() && !noKey.isValid());
        assertEquals(List.of("customer_id.required", "updated_at.required"),
                noKey.violations().stream().map(Violation::summaryKey).toList(), "nothing to erase by without a key");
    }

    /** An erasure request whose time is unusable (missing, unparseable, in the future, too old) is applied at the time received. */
    @Test
    void anErasureRequestWithAnUnusableTimeTakesTheTimeReceived() {
        for (final String time : new String[]{null, "", "31/01/2026", "3000-01-01T00:00:00Z", "1850-01-01T00:00:00Z", "9999-12-31T00:00:00Z"}) {
            final CustomerRecordValidator.Result result = validator.validate(record("5", null, null, null, null, null, null, null, " Erase", time));
            assertEquals(CustomerEvent.erase(5, NOW, ATTRIBUTES), result.event(), String.valueOf(time));
            assertTrue(result.hasReceivedTime(), String.valueOf(time));
        }
        final CustomerRecordValidator.Result ownTime = validator.validate(record("5", null, null, null, null, null, null, null, "erase",
                "2026-01-31T12:00:00Z"));
        assertEquals(CustomerEvent.erase(5, Instant.parse("2026-01-31T12:00:00Z"), ATTRIBUTES), ownTime.event());
        assertFalse(ownTime.hasReceivedTime());
        assertEquals(List.of("op.unknown"), ownTime.corrections().stream().map(Violation::summaryKey).toList());
    }

    @Test
    void everyBrokenRuleIsReportedOnceWithItsField() {
        final CustomerRecordValidator.Result result = validator.validate(record("-3", "Ada", "Love\u0007lace", "ada(at)example.com", "x".repeat(201),
                "c\uFFFD", "st", "co", "UPSERT", "3000-01-01T00:00:00Z"));
        assertEquals(List.of("customer_id.not_positive_integer", "last_name.control_character", "email.invalid_syntax", "street.too_long",
                "city.invalid_encoding", "op.unknown", "updated_at.in_future"), result.violations().stream()
                .map(Violation::summaryKey).toList());
        assertTrue(result.describeViolations().contains("last_name: contains control character U+0007 at position 4"), result.describeViolations());
        assertTrue(result.describeViolations().contains("street: has 201 characters, more than the 200 the column holds"), result.describeViolations());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "12a", " 5", "", "9223372036854775808", "99999999999999999999", "\u0663"})
    void rejectsIdsThatAreNotPositiveLongs(final String id) {
        assertFalse(validate(Field.CUSTOMER_ID, id).isValid(), id);
    }

    @Test
    void acceptsTheLargestId() {
        assertEquals(Long.MAX_VALUE, validate(Field.CUSTOMER_ID, "9223372036854775807").event().customerId());
    }

    @Test
    void eventTimesOutsideTheAcceptedRangeAreRejectedWithTheirRule() {
        assertEquals("updated_at.too_old", validate(Field.UPDATED_AT, "1899-12-31T23:59:59.999999Z").violations().getFirst().summaryKey());
        assertTrue(validate(Field.UPDATED_AT, "1900-01-01T00:00:00Z").isValid());
        assertTrue(validate(Field.UPDATED_AT, "2026-06-01T00:05:00Z").isValid(), "now + skew");
        assertEquals("updated_at.in_future", validate(Field.UPDATED_AT, "2026-06-01T00:05:00.000001Z").violations().getFirst().summaryKey());
    }

    /**
     * Whatever the skew, no event time reaches the merge's open-version sentinel (9999-12-31 00:00:00): the microsecond
     * before it is accepted, it and everything later are rejected, saying why.
     */
    @Test
    void noSkewLetsAnEventTimeReachTheMergesOpenVersionSentinel() {
        final CustomerRecordValidator generous = new CustomerRecordValidator(Duration.ofDays(3_000_000), false, NOW);
        assertTrue(generous.validate(good(Field.UPDATED_AT, "9999-12-30T23:59:59.999999Z")).isValid());
        for (final String time : List.of("9999-12-31T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z")) {
            final Object[] values = GOOD.clone();
            values[Field.UPDATED_AT.ordinal()] = time;
            values[Field.OP.ordinal()] = "DELETE";
            final CustomerRecordValidator.Result result = generous.validate(record(values));
            assertFalse(result.isValid(), time);
            assertTrue(result.describeViolations().contains("which the merge reserves for versions still open"), result.describeViolations());
        }
    }

    /** Snowflake's VARCHAR(n) counts characters: 60 emoji (120 UTF-16 units) fit first_name's VARCHAR(100). */
    @Test
    void lengthsCountCharactersNotUtf16Units() {
        final String emoji = "\uD83D\uDE00";
        assertTrue(validate(Field.FIRST_NAME, emoji.repeat(60)).isValid());
        assertTrue(validate(Field.FIRST_NAME, emoji.repeat(100)).isValid());
        final CustomerRecordValidator.Result tooLong = validate(Field.FIRST_NAME, emoji.repeat(101));
        assertEquals("first_name.too_long", tooLong.violations().getFirst().summaryKey());
        assertTrue(tooLong.describeViolations().contains("has 101 characters"), tooLong.describeViolations());
    }

    /** Values no one can see: white space, no-break and ideographic spaces, zero-width space, BOM, word joiner. */
    @ParameterizedTest
    @ValueSource(strings = {" ", "\t", "\u00A0", "\u3000", "\u200B", "\uFEFF", "\u2060", " \u200B\u00A0\uFEFF "})
    void aRequiredValueOfInvisibleCharactersIsBlank(final String value) {
        final CustomerRecordValidator.Result result = validate(Field.FIRST_NAME, value);
        assertEquals("first_name.required", result.violations().getFirst().summaryKey());
        assertTrue(result.describeViolations().contains("is blank"), result.describeViolations());
        assertTrue(validate(Field.FIRST_NAME, value.replace('\t', ' ') + "Ada").isValid(), "visible text among them is kept");
    }

    @Test
    void valuesThatAreNotSingleValuesAreInvalidAndNeverWrittenAsJavaObjects() {
        final Record nested = record(GOOD.clone());
        for (final Object value : List.of(new Object[]{"Ada", "Augusta"}, Map.of("given", "Ada"), nested, List.of("Ada"))) {
            final CustomerRecordValidator.Result result = validate(Field.FIRST_NAME, value);
            assertEquals("first_name.not_scalar", result.violations().getFirst().summaryKey(), value.getClass().getName());
            assertFalse(result.describeViolations().contains("[Ljava") || result.describeViolations().contains("MapRecord"), result.describeViolations());
        }
    }

    @Test
    void fieldsBeyondTheFieldsAreReported() {
        final Map<String, Object> values = new LinkedHashMap<>(good(Field.OP, "INSERT").toMap());
        values.put("extra_column", "surprise");
        values.put("empty_extra", null);
        final CustomerRecordValidator.Result result = validator.validate(new MapRecord(SCHEMA.recordSchema(), values, false, false));
        assertEquals(List.of("extra_column.unexpected_field"), result.violations().stream().map(Violation::summaryKey).toList());
    }

    @Test
    void normalisingTrimsLowerCasesTheEmailAndUpperCasesTheOperation() {
        final CustomerRecordValidator normalizing = new CustomerRecordValidator(Duration.ofMinutes(5), true, NOW);
        final CustomerRecordValidator.Result result = normalizing.validate(record(" 1 ", " Ada ", "Lovelace", " Ada@Example.COM ", "s", "c",
                "st", "co", " update ", " 2026-01-31T12:00:00Z "));
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals("Ada", result.event().values().get(0));
        assertEquals("ada@example.com", result.event().values().get(2));
        assertEquals(CustomerEvent.Operation.UPDATE, result.event().op());
        assertFalse(validator.validate(record(" 1 ", "Ada", "Lovelace", "ada@example.com", "s", "c", "st", "co", "update",
                "2026-01-31T12:00:00Z")).isValid(), "without normalising, ' 1 ' and 'update' break their rules");
    }

    /**
     * Canonical forms are fixed points: a valid record's event, written as a record and validated again, is valid and the
     * same event. Random records from good, borderline and broken values of every field; validate never throws.
     */
    @Test
    void canonicalFormsAreFixedPoints() {
        final Object[][] pools = new Object[Field.values().length][];
        pools[Field.CUSTOMER_ID.ordinal()] = new String[]{"1", "42", "007", "0", "-5", "12a", " 5", "", null,
            "9223372036854775807", "9223372036854775808", "1234567890123456789", "\u0663"};
        final String[] text = {"Ada", "O'Brien; DROP TABLE customer;--", "caf\u00e9", "\u00A0", "\u3000x", " ", "", null, "a\tb",
            "x\u0085", "\uFFFD", " Ada ", "x".repeat(100), "x".repeat(101), "\uD83D\uDE00".repeat(100), "\u200B"};
        for (final Field field : Field.values()) {
            if (field.isFreeText()) {
                pools[field.ordinal()] = text;
            }
        }
        pools[Field.EMAIL.ordinal()] = new String[]{"ada@example.com", "Ada@Example.COM", " ada@example.com", "ada@example", "", null,
            "a".repeat(64) + "@" + ("b".repeat(59) + ".").repeat(3) + "bcom"};
        pools[Field.OP.ordinal()] = new String[]{"INSERT", "UPDATE", "DELETE", "delete", " DELETE", "", null, "MERGE", "ERASE", "erase"};
        pools[Field.UPDATED_AT.ordinal()] = new String[]{"2026-01-31T12:00:00.000000Z", "2026-01-31T12:00:00Z", "2026-01-31 12:00:00",
            "2026-01-31T12:00:00.000000+00:00", "2026-06-01T00:05:00.000001Z", "1899-12-31T23:59:59.999999Z", "2026-02-30T00:00:00Z",
            " 2026-01-31T12:00:00Z", "soon", "", null, "2026-01-31T24:00:00Z", "2026-01-31T12:00:60Z", "2024-02-29T00:00:00.000000Z",
            "2026-01-31t12:00:00z", "2026-01-31T12:00:00.000000\u0396"};
        final Random random = new Random(11);
        final int[] verdicts = new int[2];
        for (int i = 0; i < 100_000; i++) {
            final CustomerRecordValidator judge = new CustomerRecordValidator(Duration.ofMinutes(5), random.nextInt(8) == 0, NOW);
            final Object[] values = new Object[pools.length];
            for (int f = 0; f < pools.length; f++) {
                values[f] = random.nextInt(3) == 0 ? pools[f][random.nextInt(pools[f].length)] : pools[f][0];
            }
            final CustomerRecordValidator.Result result = judge.validate(record(values));
            assertTrue(result.isValid() != result.violations().size() > 0, "a verdict: an event or violations");
            if (result.isValid()) {
                final Record written = SCHEMA.toRecord(result.event(), SCHEMA.recordSchema());
                assertEquals(result.event(), validator.validate(written).event(), () -> java.util.Arrays.toString(values));
            }
            verdicts[result.isValid() ? 1 : 0]++;
        }
        assertTrue(verdicts[0] > 20_000 && verdicts[1] > 10_000, () -> "too one-sided to mean much: " + java.util.Arrays.toString(verdicts));
    }

    /**
     * The default declaration widened by version 2: a required phone and an optional tier, records of the version 1 shape
     * accepted until {@link #WINDOW_END}.
     */
    private static final Instant WINDOW_END = Instant.parse("2026-06-01T00:00:00Z");
    private static final CompiledDeclaration WIDER = CompiledDeclaration.compile(io.customertrack.declaration.Declaration.parse("""
            {"version": 2, "previousShapeAcceptedUntil": "2026-06-01T00:00:00Z", "attributes": [
              {"name": "first_name", "type": "VARCHAR(100)", "required": true, "personal": true},
              {"name": "email", "type": "VARCHAR(254)", "required": true, "personal": true, "rules": {"email": true}},
              {"name": "phone", "type": "VARCHAR(32)", "required": true, "personal": true, "since": 2},
              {"name": "tier", "type": "VARCHAR(10)", "required": false, "personal": false, "since": 2}]}"""));

    /** A record of the wider declaration's fields that carries the given ones (name, value, ...) and nothing else. */
    private static Record widerRecord(final String... namesAndValues) {
        final List<RecordField> fields = new ArrayList<>();
        final Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.add(new RecordField(namesAndValues[i], RecordFieldType.STRING.getDataType()));
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new MapRecord(new SimpleRecordSchema(fields), map);
    }

    private static final String[] PREVIOUS_SHAPE = {"customer_id", "1", "first_name", "Ada", "email", "ada@example.com",
        "op", "UPDATE", "updated_at", "2026-01-31T12:00:00.000000Z"};

    private static CustomerRecordValidator.Result validateWider(final Instant now, final String... namesAndValues) {
        return new CustomerRecordValidator(WIDER, Duration.ofMinutes(5), false, now).validate(widerRecord(namesAndValues));
    }

    @Test
    void duringTheMigrationWindowARecordOfThePreviousShapeIsValidWithTheNewAttributesEmpty() {
        final CustomerRecordValidator.Result result = validateWider(WINDOW_END.minusSeconds(1), PREVIOUS_SHAPE);
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals(java.util.Arrays.asList("Ada", "ada@example.com", null, null), result.event().values());
    }

    @Test
    void fromTheEndOfTheWindowARecordOfThePreviousShapeMissesTheRequiredNewAttribute() {
        for (final Instant now : List.of(WINDOW_END, WINDOW_END.plusSeconds(86_400))) {
            final CustomerRecordValidator.Result result = validateWider(now, PREVIOUS_SHAPE);
            assertEquals("phone: is missing", result.describeViolations(), now.toString());
        }
    }

    @Test
    void duringTheWindowARecordMissingAnAttributeOfThePreviousShapeIsInvalidAsBefore() {
        final CustomerRecordValidator.Result result = validateWider(WINDOW_END.minusSeconds(1), "customer_id", "1",
                "first_name", "Ada", "op", "UPDATE", "updated_at", "2026-01-31T12:00:00.000000Z");
        assertEquals("email: is missing", result.describeViolations());
    }

    @Test
    void duringTheWindowARecordWithSomeNewAttributesHasTheNewShapeAndNeedsTheRequiredOnes() {
        final List<String> withTier = new ArrayList<>(List.of(PREVIOUS_SHAPE));
        withTier.addAll(List.of("tier", "gold"));
        assertEquals("phone: is missing", validateWider(WINDOW_END.minusSeconds(1), withTier.toArray(String[]::new)).describeViolations());
        final List<String> complete = new ArrayList<>(withTier);
        complete.addAll(List.of("phone", "+44 1904 000000"));
        final CustomerRecordValidator.Result result = validateWider(WINDOW_END.minusSeconds(1), complete.toArray(String[]::new));
        assertEquals(List.of("Ada", "ada@example.com", "+44 1904 000000", "gold"), result.event().values());
    }

    @Test
    void withoutAWindowOnlyTheNewShapeIsValid() {
        final CompiledDeclaration noWindow = CompiledDeclaration.compile(new io.customertrack.declaration.Declaration(
                WIDER.declaration().version(), WIDER.declaration().attributes(), null, false));
        final CustomerRecordValidator.Result result = new CustomerRecordValidator(noWindow, Duration.ofMinutes(5), false,
                WINDOW_END.minusSeconds(1)).validate(widerRecord(PREVIOUS_SHAPE));
        assertEquals("phone: is missing", result.describeViolations());
    }

    /** The default declaration with partial updates: an UPDATE's empty attribute means unchanged. */
    private static final CompiledDeclaration PARTIAL = CompiledDeclaration.compile(new io.customertrack.declaration.Declaration(1,
            CompiledDeclaration.defaultDeclaration().declaration().attributes(), null, true));

    private final CustomerRecordValidator partialValidator = new CustomerRecordValidator(PARTIAL, Duration.ofMinutes(5), false, NOW);

    @Test
    void withPartialUpdatesAnUpdateMayLeaveRequiredAttributesEmpty() {
        final Record moved = record("7", null, "", " ", "1 New Street", "Leeds", null, null, "UPDATE", "2026-01-31T12:00:00Z");
        final CustomerRecordValidator.Result partial = partialValidator.validate(moved);
        assertTrue(partial.isValid(), partial.describeViolations());
        assertEquals(java.util.Arrays.asList(null, null, null, "1 New Street", "Leeds", null, null), partial.event().values());
        assertEquals(CustomerEvent.Operation.UPDATE, partial.event().op());

        assertEquals(List.of("first_name.required", "last_name.required", "email.required", "state.required", "country.required"),
                validator.validate(moved).violations().stream().map(Violation::summaryKey).toList(), "full updates: every required value");
    }

    @Test
    void withPartialUpdatesAnInsertStillNeedsEveryRequiredAttribute() {
        final CustomerRecordValidator.Result result = partialValidator.validate(record("7", "Ada", null, " ", "s", "c", "st", "co",
                "INSERT", "2026-01-31T12:00:00Z"));
        assertFalse(result.isValid());
        assertEquals("last_name: is missing; email: is blank", result.describeViolations());
        assertTrue(partialValidator.validate(good(Field.OP, "INSERT")).isValid());
    }

    @Test
    void withPartialUpdatesEveryValuePresentIsCheckedAsAlways() {
        final CustomerRecordValidator.Result result = partialValidator.validate(record("7", null, null, "ada at example.com",
                null, "Spring\u0007field", null, null, "UPDATE", "2026-01-31T12:00:00Z"));
        assertEquals(List.of("email.invalid_syntax", "city.control_character"),
                result.violations().stream().map(Violation::summaryKey).toList());
        assertEquals(List.of("first_name.required", "last_name.required", "email.required", "street.required", "city.required",
                        "state.required", "country.required", "op.unknown"),
                partialValidator.validate(record("7", null, null, null, null, null, null, null, "update", "2026-01-31T12:00:00Z"))
                        .violations().stream().map(Violation::summaryKey).toList(),
                "an operation that is not UPDATE as sent (here: not normalised) is no partial update");
    }

    @Test
    void withPartialUpdatesDeletesAndErasuresAreJudgedAsBefore() {
        final Record delete = record("5", null, "", " ", null, null, null, null, "DELETE", "2026-01-31T12:00:00Z");
        assertEquals(validator.validate(delete), partialValidator.validate(delete));
        final Record erase = record("5", "Ada", null, null, null, null, null, null, "ERASE", "2026-01-31T12:00:00Z");
        final CustomerRecordValidator.Result erased = partialValidator.validate(erase);
        assertTrue(erased.isCorrectedErasure());
        assertEquals(validator.validate(erase), erased);
    }

    @Test
    void withPartialUpdatesANormalisedUpdateMayLeaveAttributesEmpty() {
        final CustomerRecordValidator normalising = new CustomerRecordValidator(PARTIAL, Duration.ofMinutes(5), true, NOW);
        final CustomerRecordValidator.Result result = normalising.validate(record("7", null, null, " ADA@Example.com ", null, null, null,
                null, " update ", "2026-01-31T12:00:00Z"));
        assertTrue(result.isValid(), result.describeViolations());
        assertEquals(java.util.Arrays.asList(null, null, "ada@example.com", null, null, null, null), result.event().values());
    }
}

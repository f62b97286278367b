package io.customertrack.nifi.processors;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.ProjectFiles;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ValidateCustomerRecord with a declaration other than the default: the property, a wide declaration's records. */
class ValidateDeclaredCustomerTest {

    /**
     * The wide example by its path: as inline JSON in the property its faker expressions, {@code #{...}}, would be read as
     * NiFi parameter references.
     */
    static final String WIDE_DECLARATION_FILE = ProjectFiles.resolve(
            "nifi-customertrack-declaration/src/main/resources/io/customertrack/declaration/examples/wide.json").toString();

    private static final String WIDE_HEADER = String.join(",", Declaration.example("wide").fileColumns());

    /** A wide customer, every attribute in declared order; empty where optional. */
    private static final String WIDE_GOOD = "7,Ada,Lovelace,ada@example.com,+442071838750,1815-12-10,12 Analytical Way,London,"
            + "Greater London,NW1 2DB,United Kingdom,GOLD,1200,00350.50,780,TRUE,2025-03-01T10:00:00+01:00,en,\"A note, quoted \"\"here\"\"\","
            + "INSERT,2026-01-31T12:00:00Z";

    private static TestRunner wideRunner() throws Exception {
        final TestRunner runner = ValidateCustomerRecordTest.newRunner();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, WIDE_DECLARATION_FILE);
        return runner;
    }


    @Test
    void aDeclarationThatCannotBeUsedMakesTheProcessorInvalidWithItsMessage() throws Exception {
        final TestRunner runner = ValidateCustomerRecordTest.newRunner();
        runner.assertValid();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, "{\"attributes\": [{\"name\": \"tier\", \"type\": \"VARCHAR(4)\","
                + " \"required\": true, \"personal\": false, \"rules\": {\"oneOf\": [\"GOLD\", \"SILVER\"]}}]}");
        runner.assertNotValid();
        final String explanation = runner.validate().stream().filter(result -> !result.isValid()).findFirst().orElseThrow().getExplanation();
        assertTrue(explanation.contains("attribute 'tier': rule oneOf value 'SILVER'"), explanation);

        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, "declarations/custmer.json");
        final String typo = runner.validate().stream().filter(result -> !result.isValid()).findFirst().orElseThrow().getExplanation();
        assertTrue(typo.contains("'declarations/custmer.json' is neither a readable file nor a declaration's JSON"), typo);
    }

    @Test
    void wideRecordsAreWrittenInCanonicalFormInDeclaredOrder() throws Exception {
        final TestRunner runner = wideRunner();
        runner.enqueue(WIDE_HEADER + "\n" + WIDE_GOOD + "\n"
                + "8,Grace,Hopper,grace@example.com,,,1 Navy Yard,Arlington,Virginia,,United States,SILVER,0,,,false,,,,UPDATE,2026-01-31T12:00:00Z\n"
                + "9,,,,,,,,,,,,,,,,,,,DELETE,2026-01-31T13:00:00Z\n");
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        final MockFlowFile valid = runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        valid.assertAttributeEquals("record.count", "3");
        assertEquals(WIDE_HEADER + "\n"
                + "7,Ada,Lovelace,ada@example.com,+442071838750,1815-12-10,12 Analytical Way,London,Greater London,NW1 2DB,United Kingdom,"
                + "GOLD,1200,350.5,780,true,2025-03-01T09:00:00.000000Z,en,\"A note, quoted \"\"here\"\"\",INSERT,2026-01-31T12:00:00.000000Z\n"
                + "8,Grace,Hopper,grace@example.com,,,1 Navy Yard,Arlington,Virginia,,United States,SILVER,0,,,false,,,,UPDATE,"
                + "2026-01-31T12:00:00.000000Z\n"
                + "9,,,,,,,,,,,,,,,,,,,DELETE,2026-01-31T13:00:00.000000Z\n", valid.getContent());
    }

    @Test
    void eachWideRuleIsCountedUnderItsCode() throws Exception {
        final List<String> columns = Declaration.example("wide").fileColumns();
        final String[] good = SimpleCsv.parseLine(WIDE_GOOD).toArray(String[]::new);
        final List<String[]> broken = List.of(
                with(good, columns, "phone", "0044 20 7183"), with(good, columns, "date_of_birth", "1990-02-30"),
                with(good, columns, "loyalty_tier", "gold"), with(good, columns, "loyalty_points", "-1"),
                with(good, columns, "lifetime_value", "1e5"), with(good, columns, "credit_score", "1000"),
                with(good, columns, "marketing_consent", "yes"), with(good, columns, "consent_changed_at", "10000-01-01T00:00:00Z"),
                with(good, columns, "customer_note", "x".repeat(281)), with(good, columns, "loyalty_tier", ""));
        final StringBuilder csv = new StringBuilder(WIDE_HEADER).append('\n');
        broken.forEach(values -> csv.append(rfc4180(values)).append('\n'));
        final TestRunner runner = wideRunner();
        runner.enqueue(csv.toString());
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst().assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS,
                "consent_changed_at.not_a_timestamp=1, credit_score.too_many_digits=1, customer_note.too_long=1, date_of_birth.not_a_date=1, "
                        + "lifetime_value.not_a_number=1, loyalty_points.out_of_range=1, loyalty_tier.not_one_of=1, loyalty_tier.required=1, "
                        + "marketing_consent.not_a_boolean=1, phone.pattern_mismatch=1");
    }

    @Test
    void anEraseMustCarryNoValueOfAnyAttributePersonalOrNot() throws Exception {
        final TestRunner runner = wideRunner();
        runner.enqueue(WIDE_HEADER + "\n" + "5" + ",".repeat(11) + "GOLD" + ",".repeat(8) + "ERASE,2026-01-31T12:00:00Z\n");
        runner.run();
        final MockFlowFile valid = runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        valid.assertAttributeEquals(ValidateCustomerRecord.ATTR_ERASURE_CORRECTIONS, "loyalty_tier.not_allowed_in_erasure=1");
        assertTrue(valid.getContent().endsWith("\n5" + ",".repeat(19) + "ERASE,2026-01-31T12:00:00.000000Z\n"), valid.getContent());
    }

    @Test
    void aHeaderOfAnotherDeclarationIsReportedFieldByField() throws Exception {
        final TestRunner runner = wideRunner();
        runner.enqueue(ValidateCustomerRecordTest.HEADER + "\n" + ValidateCustomerRecordTest.GOOD + "\n");
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst().assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS,
                "loyalty_points.required=1, loyalty_tier.required=1, marketing_consent.required=1");
        final TestRunner narrow = ValidateCustomerRecordTest.newRunner();
        narrow.enqueue(WIDE_HEADER + "\n" + WIDE_GOOD + "\n");
        narrow.run();
        final String errors = narrow.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst()
                .getAttribute(ValidateCustomerRecord.ATTR_ERRORS);
        assertTrue(errors.contains("phone.unexpected_field=1") && errors.contains("loyalty_tier.unexpected_field=1"), errors);
    }

    /** Partial updates: an UPDATE carries only what changed, an INSERT still every required attribute. */
    @Test
    void withPartialUpdatesAnUpdateCarriesOnlyWhatChanged() throws Exception {
        final TestRunner runner = ValidateCustomerRecordTest.newRunner();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, """
                {"partialUpdates": true, "attributes": [
                  {"name": "email", "type": "VARCHAR(254)", "required": true, "personal": true, "rules": {"email": true}},
                  {"name": "tier", "type": "VARCHAR(8)", "required": true, "personal": false, "rules": {"oneOf": ["GOLD", "SILVER"]}},
                  {"name": "points", "type": "NUMBER(9,0)", "required": true, "personal": false, "trackHistory": false}]}""");
        runner.enqueue("customer_id,email,tier,points,op,updated_at\n"
                + "7,,,1200,UPDATE,2026-01-31T12:00:00Z\n"
                + "7,,GOLD,,UPDATE,2026-01-31T12:01:00Z\n"
                + "8,grace@example.com,,10,INSERT,2026-01-31T12:02:00Z\n"
                + "7,,BRONZE,,UPDATE,2026-01-31T12:03:00Z\n");
        runner.run();
        assertEquals("customer_id,email,tier,points,op,updated_at\n"
                + "7,,,1200,UPDATE,2026-01-31T12:00:00.000000Z\n"
                + "7,,GOLD,,UPDATE,2026-01-31T12:01:00.000000Z\n",
                runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst().getContent());
        runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst().assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS,
                "tier.not_one_of=1, tier.required=1");
    }

    private static String[] with(final String[] good, final List<String> columns, final String column, final String value) {
        final String[] values = good.clone();
        values[columns.indexOf(column)] = value;
        return values;
    }

    private static String rfc4180(final String[] values) {
        final StringBuilder line = new StringBuilder();
        for (final String value : values) {
            if (!line.isEmpty()) {
                line.append(',');
            }
            line.append('"').append(value.replace("\"", "\"\"")).append('"');
        }
        return line.toString();
    }
}

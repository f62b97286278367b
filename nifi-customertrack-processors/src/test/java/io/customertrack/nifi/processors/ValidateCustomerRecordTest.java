package io.customertrack.nifi.processors;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidateCustomerRecordTest {

    static final String HEADER = GenerateFakeCustomerTest.HEADER;
    static final String GOOD = "7,Ada,Lovelace,ada@example.com,12 Analytical Way,London,Greater London,United Kingdom,INSERT,2026-01-31T12:00:00Z";

    static TestRunner newRunner() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        CsvServices.addReader(runner);
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_READER, CsvServices.READER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        return runner;
    }

    /** Adds NiFi's JSON writer and names it in {@code property}. */
    private static void useJsonWriter(final TestRunner runner, final PropertyDescriptor property) throws Exception {
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json-writer", json);
        runner.enableControllerService(json);
        runner.setProperty(property, "json-writer");
    }

    private static TestRunner validate(final String csv) throws Exception {
        final TestRunner runner = newRunner();
        runner.enqueue(csv);
        runner.run();
        return runner;
    }

    private static MockFlowFile only(final TestRunner runner, final org.apache.nifi.processor.Relationship relationship) {
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(relationship);
        assertEquals(1, flowFiles.size(), "FlowFiles on " + relationship.getName());
        return flowFiles.getFirst();
    }

    @Test
    void splitsValidAndInvalidRecordsAndLosesNothing() throws Exception {
        final String csv = HEADER + "\n"
                + GOOD + "\n"
                + "8,Grace,Hopper,grace.example.com,1 Navy Yard,Arlington,Virginia,United States,UPDATE,2026-01-31T12:00:00Z\n"
                + "9,,,,,,,,DELETE,2026-01-31 13:00:00\n"
                + "10,,,,,,,,ERASE,2026-01-31T14:00:00Z\n"
                + "-3,Alan,Turing,alan@example.com,Bletchley,Milton Keynes,Bucks,United Kingdom,UPSERT,2026-01-31T12:00:00Z\n";
        final TestRunner runner = validate(csv);

        runner.assertTransferCount(ValidateCustomerRecord.REL_FAILURE, 0);
        final MockFlowFile valid = only(runner, ValidateCustomerRecord.REL_VALID);
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        valid.assertAttributeEquals("record.count", "3");
        invalid.assertAttributeEquals("record.count", "2");
        valid.assertAttributeEquals(ValidateCustomerRecord.ATTR_INPUT_COUNT, "5");
        invalid.assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "customer_id.not_positive_integer=1, email.invalid_syntax=1, op.unknown=1");
        assertEquals(HEADER + "\n"
                + "7,Ada,Lovelace,ada@example.com,12 Analytical Way,London,Greater London,United Kingdom,INSERT,2026-01-31T12:00:00.000000Z\n"
                + "9,,,,,,,,DELETE,2026-01-31T13:00:00.000000Z\n"
                + "10,,,,,,,,ERASE,2026-01-31T14:00:00.000000Z\n", valid.getContent());

        final List<String> grace = SimpleCsv.parseLine(invalid.getContent().split("\n")[1]);
        assertEquals("8", grace.get(0));
        assertEquals("email: is not a syntactically valid address: 'grace.example.com'", grace.get(10));
        final List<String> alan = SimpleCsv.parseLine(invalid.getContent().split("\n")[2]);
        assertEquals("customer_id: must be a positive integer no larger than 9223372036854775807 but was '-3'; "
                + "op: must be INSERT, UPDATE, DELETE or ERASE but was 'UPSERT'", alan.get(10));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "blank first name   | 1,  ,B,a@b.io,s,c,st,co,INSERT,2026-01-01T00:00:00Z   | first_name.required=1",
            "missing email      | 1,A,B,,s,c,st,co,UPDATE,2026-01-01T00:00:00Z        | email.required=1",
            "zero id            | 0,A,B,a@b.io,s,c,st,co,INSERT,2026-01-01T00:00:00Z  | customer_id.not_positive_integer=1",
            "id beyond long     | 99999999999999999999,A,B,a@b.io,s,c,st,co,INSERT,2026-01-01T00:00:00Z | customer_id.too_long=1",
            "decimal id         | 1.5,A,B,a@b.io,s,c,st,co,INSERT,2026-01-01T00:00:00Z | customer_id.not_positive_integer=1",
            "two at signs       | 1,A,B,a@@b.io,s,c,st,co,INSERT,2026-01-01T00:00:00Z | email.invalid_syntax=1",
            "no tld             | 1,A,B,a@localhost,s,c,st,co,INSERT,2026-01-01T00:00:00Z | email.invalid_syntax=1",
            "lower-case op      | 1,A,B,a@b.io,s,c,st,co,insert,2026-01-01T00:00:00Z  | op.unknown=1",
            "unparseable time   | 1,A,B,a@b.io,s,c,st,co,INSERT,31/01/2026           | updated_at.unparseable=1",
            "far future         | 1,A,B,a@b.io,s,c,st,co,INSERT,2999-01-01T00:00:00Z  | updated_at.in_future=1",
            "before 1900        | 1,A,B,a@b.io,s,c,st,co,INSERT,1850-01-01T00:00:00Z  | updated_at.too_old=1",
            "delete without key | ,,,,,,,,DELETE,2026-01-01T00:00:00Z                 | customer_id.required=1",
    })
    void eachRuleRejectsWithAClearReason(final String name, final String row, final String expectedSummary) throws Exception {
        final TestRunner runner = validate(HEADER + "\n" + row.strip() + "\n");
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, expectedSummary);
    }

    @Test
    void futureTimesWithinTheClockSkewAreAccepted() throws Exception {
        final String soon = Instant.now().plus(2, ChronoUnit.MINUTES).toString();
        final String later = Instant.now().plus(20, ChronoUnit.MINUTES).toString();
        final TestRunner runner = newRunner();
        runner.setProperty(ValidateCustomerRecord.MAX_CLOCK_SKEW, "5 min");
        runner.enqueue(HEADER + "\n1,A,B,a@b.io,s,c,st,co,INSERT," + soon + "\n2,A,B,a@b.io,s,c,st,co,INSERT," + later + "\n");
        runner.run();
        only(runner, ValidateCustomerRecord.REL_VALID).assertAttributeEquals("record.count", "1");
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "updated_at.in_future=1");
    }

    @Test
    void normalisationTrimsLowerCasesEmailAndUpperCasesOp() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(ValidateCustomerRecord.NORMALIZE_VALUES, "true");
        runner.enqueue(HEADER + "\n\" 5 \", Ada ,Lovelace,\" Ada@Example.COM \",s,c,st,co, update ,2026-01-31T13:00:00+01:00\n");
        runner.run();
        assertEquals(HEADER + "\n5,Ada,Lovelace,ada@example.com,s,c,st,co,UPDATE,2026-01-31T12:00:00.000000Z\n",
                only(runner, ValidateCustomerRecord.REL_VALID).getContent());

        final TestRunner strict = validate(HEADER + "\n5, Ada ,Lovelace,Ada@Example.COM,s,c,st,co,update,2026-01-31T12:00:00Z\n");
        only(strict, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "op.unknown=1");
    }

    @Test
    void validOutputUsesTheCanonicalFieldOrderWhateverTheInputOrder() throws Exception {
        final TestRunner runner = validate("op,updated_at,email,customer_id,last_name,first_name,country,state,city,street\n"
                + "INSERT,2026-01-31T12:00:00Z,ada@example.com,7,Lovelace,Ada,United Kingdom,Greater London,London,12 Analytical Way\n");
        assertEquals(HEADER + "\n" + GOOD.replace("12:00:00Z", "12:00:00.000000Z") + "\n",
                only(runner, ValidateCustomerRecord.REL_VALID).getContent());
    }

    @Test
    void emptyFlowFileIsRoutedToInvalidWithAReason() throws Exception {
        final TestRunner runner = validate("");
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        invalid.assertAttributeEquals("record.count", "0");
        assertTrue(invalid.getAttribute(ValidateCustomerRecord.ATTR_ERRORS).startsWith("input.no_records=1"));
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
    }

    @Test
    void headerOnlyIsRoutedToInvalidWithAReason() throws Exception {
        final TestRunner runner = validate(HEADER + "\n");
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals("record.count", "0");
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        runner.assertTransferCount(ValidateCustomerRecord.REL_FAILURE, 0);
    }

    @Test
    void wrongColumnCountIsInvalidEitherWay() throws Exception {
        final TestRunner runner = validate(HEADER + "\n"
                + "1,A,B,a@b.io,s,c,st,co,INSERT\n"
                + GOOD + ",surplus\n");
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        invalid.assertAttributeEquals("record.count", "2");
        final String errors = invalid.getAttribute(ValidateCustomerRecord.ATTR_ERRORS);
        assertTrue(errors.contains("updated_at.required=1"), errors);
        assertTrue(errors.contains("unexpected_field=1"), errors);
    }

    @Test
    void hugeFieldIsInvalidNotFatal() throws Exception {
        final String huge = "x".repeat(2_000_000);
        final TestRunner runner = validate(HEADER + "\n" + GOOD.replace("London,Greater", huge + ",Greater") + "\n" + GOOD + "\n");
        only(runner, ValidateCustomerRecord.REL_VALID).assertAttributeEquals("record.count", "1");
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "city.too_long=1");
    }

    @Test
    void brokenQuotingGoesToFailureUnchangedWithTheParserMessage() throws Exception {
        final String csv = HEADER + "\n" + GOOD + "\n8,\"Grace,Hopper,g@h.io,s,c,st,co,INSERT,2026-01-31T12:00:00Z\n";
        final TestRunner runner = validate(csv);
        runner.assertAllFlowFilesTransferred(ValidateCustomerRecord.REL_FAILURE, 1);
        final MockFlowFile failed = only(runner, ValidateCustomerRecord.REL_FAILURE);
        failed.assertContentEquals(csv);
        final String reason = failed.getAttribute(ValidateCustomerRecord.ATTR_FAILURE_REASON);
        // The flow's reader parses with Jackson CSV, which names the problem.
        assertTrue(reason != null && reason.contains("Missing closing quote"), reason);
    }

    @Test
    void bytesThatAreNotUtf8AreReportedNotPassedOn() throws Exception {
        final ByteArrayOutputStream csv = new ByteArrayOutputStream();
        csv.writeBytes((HEADER + "\n1,Ren").getBytes(StandardCharsets.UTF_8));
        csv.write(0xE9); // Latin-1 'é', not valid UTF-8 on its own
        csv.writeBytes(",B,a@b.io,s,c,st,co,INSERT,2026-01-31T12:00:00Z\n".getBytes(StandardCharsets.UTF_8));
        final TestRunner runner = newRunner();
        runner.enqueue(csv.toByteArray());
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "first_name.invalid_encoding=1");
    }

    @Test
    void controlCharactersAreRejected() throws Exception {
        final TestRunner runner = validate(HEADER + "\n1,A\u0000x,B,a@b.io,s,c,st,co,INSERT,2026-01-31T12:00:00Z\n");
        only(runner, ValidateCustomerRecord.REL_INVALID).assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "first_name.control_character=1");
    }

    @Test
    void sqlLookingStringsAreJustData() throws Exception {
        final String row = "11,Robert'); DROP TABLE customer;--,O'Brien,bobby@example.com,\"1 Main St; DELETE FROM customer_raw\",x,y,z,INSERT,2026-01-31T12:00:00Z";
        final TestRunner runner = validate(HEADER + "\n" + row + "\n");
        final List<String> written = SimpleCsv.parseLine(only(runner, ValidateCustomerRecord.REL_VALID).getContent().split("\n")[1]);
        assertEquals("Robert'); DROP TABLE customer;--", written.get(1));
        assertEquals("O'Brien", written.get(2));
        assertEquals("1 Main St; DELETE FROM customer_raw", written.get(4));
    }

    @Test
    void separateInvalidWriterIsUsedForInvalidRecords() throws Exception {
        final TestRunner runner = newRunner();
        useJsonWriter(runner, ValidateCustomerRecord.INVALID_RECORD_WRITER);
        runner.enqueue(HEADER + "\n" + GOOD + "\n" + GOOD.replace("INSERT", "MERGE") + "\n");
        runner.run();
        only(runner, ValidateCustomerRecord.REL_VALID).assertAttributeEquals("mime.type", "text/csv");
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        invalid.assertAttributeEquals("mime.type", "application/json");
        assertTrue(invalid.getContent().contains("\"validation_errors\":\"op: must be INSERT, UPDATE, DELETE or ERASE but was 'MERGE'\""), invalid.getContent());
    }

    /**
     * A file of rejected records, corrected by hand and fed back in, still carries its validation_errors column: the
     * valid output must hold exactly the customer columns (Snowpipe's COPY, which selects $1..$n, would silently drop an extra column).
     */
    @Test
    void correctedRejectsAreWrittenWithoutTheirValidationErrorsColumn() throws Exception {
        final TestRunner runner = validate(HEADER + ",validation_errors\n" + GOOD + ",\n");
        assertEquals(HEADER + "\n" + GOOD.replace("12:00:00Z", "12:00:00.000000Z") + "\n",
                only(runner, ValidateCustomerRecord.REL_VALID).getContent());
    }

    /** A reject fed back in still broken gets its new reasons in place of the old ones, in one validation_errors column. */
    @Test
    void aRejectFedBackInStillBrokenGetsItsNewReasons() throws Exception {
        final TestRunner runner = validate(HEADER + ",validation_errors\n" + GOOD.replace("INSERT", "MERGE") + ",email: old reason\n");
        final String[] lines = only(runner, ValidateCustomerRecord.REL_INVALID).getContent().split("\n");
        assertEquals(HEADER + ",validation_errors", lines[0]);
        final List<String> values = SimpleCsv.parseLine(lines[1]);
        assertEquals(11, values.size(), lines[1]);
        assertEquals("op: must be INSERT, UPDATE, DELETE or ERASE but was 'MERGE'", values.get(10));
    }

    /** Valid records are written through the writer's schema, so a JSON writer types customer_id as the number it is. */
    @Test
    void validRecordsTakeTheTypesOfTheCustomerSchema() throws Exception {
        final TestRunner runner = newRunner();
        useJsonWriter(runner, ValidateCustomerRecord.RECORD_WRITER);
        runner.enqueue(HEADER + "\n" + GOOD + "\n");
        runner.run();
        final String content = only(runner, ValidateCustomerRecord.REL_VALID).getContent();
        assertTrue(content.startsWith("[{\"customer_id\":7,\"first_name\":\"Ada\""), content);
    }

    /** Records whose fields come in different orders, go missing or are extra, as JSON readers deliver them. */
    @Test
    void readsEachRecordByFieldNameWhateverItsShape() throws Exception {
        final TestRunner runner = jsonInput();
        final String inOrder = "\"customer_id\": 7, \"first_name\": \"Ada\", \"last_name\": \"Lovelace\", \"email\": \"ada@example.com\", "
                + "\"street\": \"12 Analytical Way\", \"city\": \"London\", \"state\": \"Greater London\", \"country\": \"United Kingdom\", "
                + "\"op\": \"INSERT\", \"updated_at\": \"2026-01-31T12:00:00Z\"";
        final String reversed = "\"updated_at\": \"2026-01-31T13:00:00Z\", \"op\": \"UPDATE\", \"country\": \"United Kingdom\", "
                + "\"state\": \"Greater London\", \"city\": \"London\", \"street\": \"1 New Road\", \"email\": \"ada@example.org\", "
                + "\"last_name\": \"Lovelace\", \"first_name\": \"Ada\", \"customer_id\": 7";
        runner.enqueue("[{" + inOrder + "}, {" + reversed + "}, {" + inOrder.replace("\"email\": \"ada@example.com\", ", "") + "}, {"
                + inOrder + ", \"loyalty_tier\": \"gold\"}, {" + reversed.replace("UPDATE", "DELETE") + "}]");
        runner.run();

        final MockFlowFile valid = only(runner, ValidateCustomerRecord.REL_VALID);
        valid.assertAttributeEquals("record.count", "3");
        assertEquals(HEADER + "\n"
                + "7,Ada,Lovelace,ada@example.com,12 Analytical Way,London,Greater London,United Kingdom,INSERT,2026-01-31T12:00:00.000000Z\n"
                + "7,Ada,Lovelace,ada@example.org,1 New Road,London,Greater London,United Kingdom,UPDATE,2026-01-31T13:00:00.000000Z\n"
                + "7,Ada,Lovelace,ada@example.org,1 New Road,London,Greater London,United Kingdom,DELETE,2026-01-31T13:00:00.000000Z\n",
                valid.getContent());
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        invalid.assertAttributeEquals("record.count", "2");
        invalid.assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "email.required=1, loyalty_tier.unexpected_field=1");
    }

    /** NiFi's JSON reader (schema inferred) in front, the flow's CSV writer behind. */
    private static TestRunner jsonInput() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        final org.apache.nifi.json.JsonTreeReader reader = new org.apache.nifi.json.JsonTreeReader();
        runner.addControllerService("json-reader", reader);
        runner.setProperty(reader, "schema-access-strategy", "infer-schema");
        runner.enableControllerService(reader);
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_READER, "json-reader");
        runner.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        return runner;
    }

    /** An array, an object or a nested record where a name belongs is invalid, and never written as a Java object's name. */
    @Test
    void valuesThatAreNotSingleValuesAreInvalid() throws Exception {
        final TestRunner runner = jsonInput();
        final String rest = "\"last_name\": \"Lovelace\", \"email\": \"ada@example.com\", \"street\": \"s\", \"city\": \"c\", "
                + "\"state\": \"st\", \"country\": \"co\", \"op\": \"INSERT\", \"updated_at\": \"2026-01-31T12:00:00Z\"";
        runner.enqueue("[{\"customer_id\": 7, \"first_name\": [\"Ada\", \"Augusta\"], " + rest + "}, "
                + "{\"customer_id\": 8, \"first_name\": {\"given\": \"Ada\"}, " + rest + "}, "
                + "{\"customer_id\": [9], \"first_name\": \"Ada\", " + rest + "}]");
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        invalid.assertAttributeEquals(ValidateCustomerRecord.ATTR_ERRORS, "customer_id.not_scalar=1, first_name.not_scalar=2");
        final String content = invalid.getContent();
        assertTrue(content.contains("first_name: is an array, not a single value"), content);
        assertTrue(content.contains("first_name: is a record, not a single value"), content);
        assertFalse(content.contains("[Ljava.lang.Object;") || content.contains("MapRecord"), content);
    }

    /**
     * A header naming a column twice shifts values (Commons CSV) or drops one (Jackson CSV), so that every reason names the
     * wrong value: the flow's CSV Reader does not allow duplicate header names, and the FlowFile fails whole, saying so.
     */
    @ParameterizedTest
    @CsvSource({"jackson-csv", "commons-csv"})
    void aHeaderWithARepeatedColumnIsRefused(final String parser) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        CsvServices.addReader(runner, java.util.Map.of(CsvServices.CSV_PARSER, parser));
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_READER, CsvServices.READER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        final String csv = HEADER.replace("last_name", "first_name") + "\n" + GOOD + "\n";
        runner.enqueue(csv);
        runner.run();
        runner.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        runner.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        final MockFlowFile failed = only(runner, ValidateCustomerRecord.REL_FAILURE);
        failed.assertContentEquals(csv);
        final String reason = failed.getAttribute(ValidateCustomerRecord.ATTR_FAILURE_REASON);
        assertTrue(reason.contains("duplicate name: \"?\""), reason); // quoted text masked: a name in a reason could be a value elsewhere
    }

    @Test
    void routedFlowFilesGetRouteProvenanceWithTheReasonCountsAndCountersPerRule() throws Exception {
        final TestRunner runner = validate(HEADER + "\n" + GOOD + "\n" + GOOD.replace("ada@", "ada(at)") + "\n" + GOOD.replace("INSERT", "MERGE") + "\n");
        final MockFlowFile invalid = only(runner, ValidateCustomerRecord.REL_INVALID);
        final List<org.apache.nifi.provenance.ProvenanceEventRecord> routes = runner.getProvenanceEvents().stream()
                .filter(event -> event.getEventType() == org.apache.nifi.provenance.ProvenanceEventType.ROUTE).toList();
        assertEquals(2, routes.size(), routes.toString());
        final org.apache.nifi.provenance.ProvenanceEventRecord invalidRoute = routes.stream()
                .filter(event -> event.getRelationship().equals("invalid")).findFirst().orElseThrow();
        assertEquals("2 Records found invalid: email.invalid_syntax=1, op.unknown=1", invalidRoute.getDetails());
        assertEquals(invalid.getAttribute("uuid"), invalidRoute.getFlowFileUuid());
        assertEquals(3, runner.getCounterValue("Records Validated"));
        assertEquals(1, runner.getCounterValue("Records Found Valid"));
        assertEquals(2, runner.getCounterValue("Records Found Invalid"));
        assertEquals(1, runner.getCounterValue("Violations of email.invalid_syntax"));
        assertEquals(1, runner.getCounterValue("Violations of op.unknown"));
    }

    /**
     * As ValidateRecord: nobody reads auto-terminated invalid records, so none are written; they are still counted.
     * nifi-mock's context never reports a relationship auto-terminated, so this one says so for 'invalid'.
     */
    @Test
    void autoTerminatedInvalidRecordsAreCountedButNotWritten() throws Exception {
        final TestRunner runner = newRunner();
        final org.apache.nifi.processor.ProcessContext mockContext = runner.getProcessContext();
        final org.apache.nifi.processor.ProcessContext context = (org.apache.nifi.processor.ProcessContext) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[]{org.apache.nifi.processor.ProcessContext.class},
                (proxy, method, arguments) -> method.getName().equals("isAutoTerminated")
                        ? ValidateCustomerRecord.REL_INVALID.equals(arguments[0])
                        : method.invoke(mockContext, arguments));
        runner.enqueue(HEADER + "\n" + GOOD + "\n" + GOOD.replace("INSERT", "MERGE") + "\n");
        final ValidateCustomerRecord processor = (ValidateCustomerRecord) runner.getProcessor();
        processor.onScheduled(context);
        final org.apache.nifi.util.MockProcessSession session = (org.apache.nifi.util.MockProcessSession) runner.getProcessSessionFactory().createSession();
        processor.onTrigger(context, session);
        session.assertTransferCount(ValidateCustomerRecord.REL_VALID, 1);
        session.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        session.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst().assertAttributeEquals("record.count", "1");
        session.commitAsync();
        assertEquals(1, runner.getCounterValue("Records Found Invalid"));
        assertEquals(1, runner.getCounterValue("Violations of op.unknown"));
    }

    /** 60 emoji are 120 UTF-16 units but 60 characters: they fit first_name's VARCHAR(100) and arrive unchanged. */
    @Test
    void lengthsAreCountedInCharacters() throws Exception {
        final String emoji = "\uD83D\uDE00".repeat(60);
        final TestRunner runner = validate(HEADER + "\n" + GOOD.replace(",Ada,", "," + emoji + ",") + "\n");
        assertTrue(only(runner, ValidateCustomerRecord.REL_VALID).getContent().contains("," + emoji + ","));
    }

    /**
     * An erasure request is applied or handed to a person, never only rejected: with a usable customer_id it becomes a
     * plain ERASE of that customer on 'valid' (personal values dropped; an unusable time replaced by the time received,
     * which the FlowFile states); without one it goes to 'unresolved erasure' with an error bulletin, not to 'invalid'.
     */
    @Test
    void anErasureRequestIsAppliedOrHandedToAPersonNeverDropped() throws Exception {
        final Instant before = Instant.now().truncatedTo(ChronoUnit.MICROS);
        final TestRunner runner = validate(HEADER + "\n"
                + "1,Ada,,ada@example.com,,,,,ERASE,2026-01-01T00:00:00Z\n"
                + "2,,,,,,,,ERASE,31/01/2026\n"
                + "3,,,,,,,,erase,2999-01-01T00:00:00Z\n"
                + "x7,Grace,,,,,,,ERASE,2026-01-01T00:00:00Z\n");

        runner.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        runner.assertTransferCount(ValidateCustomerRecord.REL_FAILURE, 0);
        final MockFlowFile valid = only(runner, ValidateCustomerRecord.REL_VALID);
        final String received = valid.getAttribute(ValidateCustomerRecord.ATTR_RECEIVED_AT);
        assertFalse(io.customertrack.declaration.check.EventTimes.parse(received).isBefore(before), received);
        assertEquals(HEADER + "\n"
                + "1,,,,,,,,ERASE,2026-01-01T00:00:00.000000Z\n"
                + "2,,,,,,,,ERASE," + received + "\n"
                + "3,,,,,,,,ERASE," + received + "\n", valid.getContent());
        valid.assertAttributeEquals(ValidateCustomerRecord.ATTR_ERASURE_CORRECTIONS,
                "email.not_allowed_in_erasure=1, first_name.not_allowed_in_erasure=1, op.unknown=1, updated_at.in_future=1, updated_at.unparseable=1");
        final String details = runner.getProvenanceEvents().stream()
                .filter(event -> "valid".equals(event.getRelationship())).findFirst().orElseThrow().getDetails();
        assertTrue(details.contains("3 erasure request(s) written as a plain ERASE") && details.contains("2 of them at the time received, " + received), details);

        final MockFlowFile unresolved = only(runner, ValidateCustomerRecord.REL_UNRESOLVED_ERASURE);
        unresolved.assertAttributeEquals("record.count", "1");
        final List<String> request = SimpleCsv.parseLine(unresolved.getContent().split("\n")[1]);
        assertEquals(List.of("x7", "Grace"), request.subList(0, 2), "the request as sent, for the person who resolves it");
        assertTrue(request.get(10).startsWith("customer_id: must be a positive integer"), request.get(10));

        assertEquals(3, runner.getCounterValue("Erasure Requests Corrected"));
        assertEquals(1, runner.getCounterValue("Erasure Requests Unresolved"));
        assertEquals(3, runner.getCounterValue("Records Found Valid"));
        assertEquals(0, runner.getCounterValue("Records Found Invalid"));
        final List<org.apache.nifi.util.LogMessage> errors = runner.getLogger().getErrorMessages();
        assertEquals(1, errors.size(), "one error bulletin: " + errors);
        assertTrue(java.util.Arrays.toString(errors.getFirst().getArgs()).contains("unresolved erasure"), errors.toString());
        assertEquals(1, runner.getLogger().getWarnMessages().size(), "the corrections are reported too");
        LogAssertions.assertNoLogCarries(runner, "Ada", "ada@example.com", "Grace", "x7");
    }

    /** The flow never auto-terminates 'unresolved erasure'; should someone do so, its requests are still written and reported. */
    @Test
    void theUnresolvedErasureRelationshipIsDeclared() {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        assertTrue(runner.getProcessor().getRelationships().contains(ValidateCustomerRecord.REL_UNRESOLVED_ERASURE));
        assertEquals("unresolved erasure", ValidateCustomerRecord.REL_UNRESOLVED_ERASURE.getName());
    }

    /**
     * A reader's message can quote the input: Jackson's "Unrecognized token 'Lovelace'" names the value. The failure
     * reason and the log line keep its first line with quoted text masked; no stack trace is logged.
     */
    @Test
    void theFailureReasonAndLogCarryNoValueOfTheInput() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        final org.apache.nifi.json.JsonTreeReader json = new org.apache.nifi.json.JsonTreeReader();
        runner.addControllerService("json-reader", json);
        runner.enableControllerService(json);
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_READER, "json-reader");
        runner.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        runner.enqueue("[{\"customer_id\": \"5\", \"first_name\": Lovelace, \"email\": \"ada@example.com\"}]");
        runner.run();

        final MockFlowFile failed = only(runner, ValidateCustomerRecord.REL_FAILURE);
        final String reason = failed.getAttribute(ValidateCustomerRecord.ATTR_FAILURE_REASON);
        assertTrue(reason.contains("Unrecognized token '?'") && reason.length() <= ErrorText.MAX_LENGTH, reason);
        assertFalse(reason.contains("Lovelace") || reason.contains("ada@example.com"), reason);
        assertEquals(1, runner.getLogger().getErrorMessages().size());
        LogAssertions.assertNoLogCarries(runner, "Lovelace", "ada@example.com");
    }
}

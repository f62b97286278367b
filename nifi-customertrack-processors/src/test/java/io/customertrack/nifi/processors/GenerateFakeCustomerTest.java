package io.customertrack.nifi.processors;

import io.customertrack.nifi.ProjectFiles;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.MessageDigest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateFakeCustomerTest {

    static final String HEADER = "customer_id,first_name,last_name,email,street,city,state,country,op,updated_at";

    static TestRunner newRunner() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(GenerateFakeCustomer.class);
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(GenerateFakeCustomer.RECORD_WRITER, CsvServices.WRITER_ID);
        return runner;
    }

    /** Parses CSV written by the CSV writer into rows of fields (the generator never emits quotes or commas inside numbers). */
    static List<List<String>> rows(final MockFlowFile flowFile) {
        final List<List<String>> rows = new ArrayList<>();
        final String[] lines = flowFile.getContent().split("\n");
        assertEquals(HEADER, lines[0]);
        for (int i = 1; i < lines.length; i++) {
            rows.add(SimpleCsv.parseLine(lines[i]));
        }
        return rows;
    }

    @Test
    void writesRequestedRecordsWithStableFieldOrderAndAttributes() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "250");
        runner.run();

        runner.assertAllFlowFilesTransferred(GenerateFakeCustomer.REL_SUCCESS, 1);
        final MockFlowFile flowFile = runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst();
        flowFile.assertAttributeEquals("record.count", "250");
        flowFile.assertAttributeEquals("mime.type", "text/csv");
        final List<List<String>> rows = rows(flowFile);
        assertEquals(250, rows.size());
        final List<String> first = rows.getFirst();
        assertEquals(10, first.size());
        assertEquals("1", first.get(0), "the first customer gets Customer ID Start");
        assertEquals("INSERT", first.get(8));
        assertTrue(first.get(3).contains("@"), first.get(3));
        assertTrue(first.get(9).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z"), first.get(9));
        assertEquals("United States", first.get(7));
        assertEquals(1, runner.getProvenanceEvents().size());
    }

    @Test
    void sameSeedAndSettingsGiveByteIdenticalOutput() throws Exception {
        final List<String> first = seededContents(42);
        final List<String> second = seededContents(42);
        assertEquals(first, second);
        assertNotEquals(first, seededContents(43));
    }

    private static List<String> seededContents(final long seed) throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.RANDOM_SEED, Long.toString(seed));
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "500");
        runner.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "5");
        runner.run(3);
        return runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).stream().map(MockFlowFile::getContent).toList();
    }

    /** Three FlowFiles of 500 events with the seed and these properties. */
    private static List<String> contents(final long seed, final Map<PropertyDescriptor, String> properties) throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.RANDOM_SEED, Long.toString(seed));
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "500");
        properties.forEach(runner::setProperty);
        runner.run(3);
        return runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).stream().map(MockFlowFile::getContent).toList();
    }

    private static List<String> lateAndReplayedContents(final long seed) throws Exception {
        return contents(seed, Map.of(GenerateFakeCustomer.LATE_PERCENTAGE, "20", GenerateFakeCustomer.MAX_LATENESS, "10 min",
                GenerateFakeCustomer.REPLAY_PERCENTAGE, "10"));
    }

    /** Late updates (within Maximum Lateness, before the events around them) and exact replays, reproducibly, all valid. */
    @Test
    void lateEventsAndReplaysOnDemandStayReproducibleAndValid() throws Exception {
        final List<String> contents = lateAndReplayedContents(42);
        assertEquals(contents, lateAndReplayedContents(42), "same seed and settings, same bytes");
        int late = 0;
        int replays = 0;
        for (final String content : contents) {
            final java.util.Set<String> seen = new java.util.HashSet<>();
            java.time.Instant newest = java.time.Instant.MIN;
            for (final String line : content.split("\n")) {
                if (line.startsWith("customer_id,")) {
                    continue;
                }
                if (!seen.add(line)) {
                    replays++;
                    continue;
                }
                final List<String> row = SimpleCsv.parseLine(line);
                final java.time.Instant time = java.time.Instant.parse(row.get(9));
                if (time.isBefore(newest)) {
                    late++;
                    assertEquals("UPDATE", row.get(8), line);
                    assertTrue(java.time.Duration.between(time, newest).compareTo(java.time.Duration.ofMinutes(10)) <= 0, line);
                } else {
                    newest = time;
                }
            }
        }
        assertTrue(late > 150 && late < 450, "about 20% of 1,500 late: " + late);
        assertTrue(replays > 75 && replays < 250, "about 10% of 1,500 replayed: " + replays);

        final TestRunner validator = ValidateCustomerRecordTest.newRunner();
        contents.forEach(validator::enqueue);
        validator.run(contents.size());
        validator.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        validator.assertTransferCount(ValidateCustomerRecord.REL_VALID, contents.size());
    }

    private static List<String> contentsWithErasures(final long seed) throws Exception {
        return contents(seed, Map.of(GenerateFakeCustomer.KNOWN_CUSTOMER_WINDOW, "200", GenerateFakeCustomer.LATE_PERCENTAGE, "10",
                GenerateFakeCustomer.ERASURE_PERCENTAGE, "10"));
    }

    /** ERASE requests carry only their key, op and time, their ids never come back (across FlowFiles too), all valid. */
    @Test
    void erasuresOnDemandRetireTheirIdsReproduciblyAndValidly() throws Exception {
        final List<String> contents = contentsWithErasures(7);
        assertEquals(contents, contentsWithErasures(7), "same seed and settings, same bytes");
        final Set<String> erased = new HashSet<>();
        int erasures = 0;
        for (final String content : contents) {
            for (final String line : content.split("\n")) {
                final List<String> row = SimpleCsv.parseLine(line);
                if (line.startsWith("customer_id,")) {
                    continue;
                }
                assertFalse(erased.contains(row.get(0)), "an event of erased customer " + row.get(0) + ": " + line);
                if (row.get(8).equals("ERASE")) {
                    erasures++;
                    erased.add(row.get(0));
                    assertEquals(List.of("", "", "", "", "", "", ""), row.subList(1, 8), line);
                }
            }
        }
        assertTrue(erasures > 75 && erasures < 225, "about 10% of 1,500 are erasures: " + erasures);
        final TestRunner validator = ValidateCustomerRecordTest.newRunner();
        contents.forEach(validator::enqueue);
        validator.run(contents.size());
        validator.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
    }

    /** A replay needs an earlier event of its FlowFile: the first event of each is a new customer, never a late update. */
    @Test
    void aFlowFileStartsWithAnInsertWhenEveryEventIsToBeAReplay() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "5");
        runner.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "0");
        runner.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "0");
        runner.setProperty(GenerateFakeCustomer.REPLAY_PERCENTAGE, "100");
        runner.run(2);
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS);
        assertEquals(2, flowFiles.size());
        final List<List<String>> second = rows(flowFiles.get(1));
        assertEquals("INSERT", second.getFirst().get(8), "customers exist by now, yet the first event is no update: " + second);
        assertEquals("2", second.getFirst().get(0), "a new customer");
        assertTrue(second.stream().allMatch(second.getFirst()::equals), "the rest repeat it: " + second);
    }

    private static TestRunner updateHeavyRunner() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "400");
        runner.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "40");
        runner.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "20");
        return runner;
    }

    @Test
    void updatesAndDeletesTargetIssuedCustomersAndIdsSurviveARestart() throws Exception {
        final TestRunner firstNode = updateHeavyRunner();
        firstNode.run(3);
        final Map<String, String> state = firstNode.getStateManager().getState(Scope.CLUSTER).toMap();

        // A primary-node change: a new instance starts from the cluster state the first one left.
        final TestRunner secondNode = updateHeavyRunner();
        secondNode.getStateManager().setState(state, Scope.CLUSTER);
        secondNode.run(3);

        final List<List<String>> events = new ArrayList<>();
        for (final TestRunner runner : List.of(firstNode, secondNode)) {
            for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS)) {
                events.addAll(rows(flowFile));
            }
        }
        assertEquals(2400, events.size());

        final Set<Long> live = new HashSet<>();
        final Set<Long> deleted = new HashSet<>();
        long expectedNewId = 1;
        int updates = 0;
        int deletes = 0;
        int reinserts = 0;
        String previousTime = "";
        for (final List<String> event : events) {
            final long id = Long.parseLong(event.get(0));
            final String op = event.get(8);
            assertTrue(event.get(9).compareTo(previousTime) > 0, "event times strictly increase");
            previousTime = event.get(9);
            switch (op) {
                case "INSERT" -> {
                    if (deleted.remove(id)) {
                        reinserts++;
                    } else {
                        assertEquals(expectedNewId++, id, "new customers get consecutive, never reissued ids");
                    }
                    live.add(id);
                }
                case "UPDATE" -> {
                    assertTrue(live.contains(id), "update of a live customer " + id);
                    updates++;
                }
                case "DELETE" -> {
                    assertTrue(live.remove(id), "delete of a live customer " + id);
                    deleted.add(id);
                    assertEquals("", event.get(1), "delete events carry only key, op and time");
                    deletes++;
                }
                default -> throw new AssertionError("unexpected op " + op);
            }
        }
        assertTrue(updates > 700 && updates < 1200, "about 40% updates: " + updates);
        assertTrue(deletes > 300, "deletes: " + deletes);
        assertTrue(reinserts > 0, "deleted customers come back with an INSERT");
        assertEquals(Long.toString(expectedNewId), secondNode.getStateManager().getState(Scope.CLUSTER).get("customer.id.next"));
    }

    /**
     * For a declaration with every attribute tracked and full updates, the output of a seed does not depend on the
     * untracked-change and partial-update percentages (at their defaults here): the SHA-256 of three FlowFiles of every
     * kind of event, as a generator that knows neither writes them.
     */
    @ParameterizedTest
    @CsvSource({
        "customer.json, 71fda097105a5b4baba69ee6cb5274a53c21711ddc206675da8fddae4d66075d",
        "examples/customer-with-phone.json, d5a33b792754b752fb9f2eac6251356e27747702ce4163102b43b1604d189d44"})
    void withoutUntrackedAttributesOrPartialUpdatesASeedGivesTheOutputItAlwaysGave(final String declaration, final String sha256)
            throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, ProjectFiles.resolve(
                "nifi-customertrack-declaration/src/main/resources/io/customertrack/declaration/" + declaration).toString());
        runner.setProperty(GenerateFakeCustomer.RANDOM_SEED, "42");
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "500");
        runner.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "5");
        runner.setProperty(GenerateFakeCustomer.LATE_PERCENTAGE, "10");
        runner.setProperty(GenerateFakeCustomer.REPLAY_PERCENTAGE, "5");
        runner.setProperty(GenerateFakeCustomer.ERASURE_PERCENTAGE, "5");
        runner.run(3);
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).forEach(flowFile -> digest.update(flowFile.toByteArray()));
        assertEquals(sha256, HexFormat.of().formatHex(digest.digest()));
    }

    @Test
    void percentagesOverOneHundredAreRejected() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "60");
        runner.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "30");
        runner.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "20");
        runner.assertNotValid();
        runner.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "10");
        runner.assertValid();
        runner.setProperty(GenerateFakeCustomer.REPLAY_PERCENTAGE, "1");
        runner.assertNotValid();
        runner.setProperty(GenerateFakeCustomer.REPLAY_PERCENTAGE, "0");
        runner.setProperty(GenerateFakeCustomer.LATE_PERCENTAGE, "1");
        runner.assertNotValid();
        runner.setProperty(GenerateFakeCustomer.LATE_PERCENTAGE, "0");
        runner.setProperty(GenerateFakeCustomer.UNTRACKED_CHANGE_PERCENTAGE, "100");
        runner.setProperty(GenerateFakeCustomer.PARTIAL_UPDATE_PERCENTAGE, "100");
        runner.assertValid();
        runner.setProperty(GenerateFakeCustomer.PARTIAL_UPDATE_PERCENTAGE, "101");
        runner.assertNotValid();
        runner.setProperty(GenerateFakeCustomer.PARTIAL_UPDATE_PERCENTAGE, "30");
        runner.setProperty(GenerateFakeCustomer.LOCALE, "not a locale!");
        runner.assertNotValid();
    }

    @Test
    void localeChoosesNamesAndCountry() throws Exception {
        final TestRunner runner = newRunner();
        runner.setProperty(GenerateFakeCustomer.LOCALE, "de-DE");
        runner.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "20");
        runner.run();
        final List<List<String>> rows = rows(runner.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst());
        final List<List<String>> withProfile = rows.stream().filter(row -> !"DELETE".equals(row.get(8))).toList();
        assertTrue(withProfile.size() > 10);
        withProfile.forEach(row -> assertEquals("Germany", row.get(7)));
        withProfile.forEach(row -> assertTrue(row.get(3).matches("[a-z0-9]+\\.[a-z0-9]+\\d+@[A-Za-z0-9.-]+"), row.get(3)));
    }

    @Test
    void invalidRecordsAreRejectedByTheValidatorAndValidOnesAccepted() throws Exception {
        final TestRunner generator = newRunner();
        generator.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "300");
        generator.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "0");
        generator.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "0");
        generator.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "100");
        generator.run();
        final byte[] allInvalid = generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst().toByteArray();
        final Set<String> stateKeysBefore = generator.getStateManager().getState(Scope.CLUSTER).toMap().keySet();
        assertFalse(stateKeysBefore.isEmpty());
        assertEquals("1", generator.getStateManager().getState(Scope.CLUSTER).get("customer.id.next"), "invalid events create nobody");

        final TestRunner validator = ValidateCustomerRecordTest.newRunner();
        validator.enqueue(allInvalid);
        validator.run();
        validator.assertTransferCount(ValidateCustomerRecord.REL_VALID, 0);
        validator.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst().assertAttributeEquals("record.count", "300");

        generator.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "0");
        generator.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "30");
        generator.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "30");
        generator.clearTransferState();
        generator.run(2);
        for (final MockFlowFile flowFile : generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS)) {
            validator.enqueue(flowFile.toByteArray());
        }
        validator.clearTransferState();
        validator.run(2);
        validator.assertAllFlowFilesTransferred(ValidateCustomerRecord.REL_VALID, 2);
    }
}

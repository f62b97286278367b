package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipeline inside a real NiFi: GenerateFakeCustomer → ValidateCustomerRecord → PutFile → TriggerSnowflakeMerge
 * (COPY mode) → CUSTOMER / CUSTOMER_HISTORY in a DuckDB file, with NiFi's own CSVReader, CSVRecordSetWriter and
 * DBCPConnectionPool. The tests share one sandbox and run in order (one CustomerTrack group per NiFi): a run
 * checked end to end, an upgrade with --replace, then crashes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineE2EIT {

    @TempDir
    static Path work;

    private static SandboxNiFi nifi;
    private static LocalPipeline pipeline;

    @BeforeAll
    static void startSandbox() throws Exception {
        nifi = SandboxNiFi.startSecured(work.resolve("nifi"));
        pipeline = new LocalPipeline(nifi, work);
    }

    @AfterAll
    static void stopSandbox() throws IOException {
        if (nifi != null) {
            nifi.close();
        }
    }

    @Test
    @Order(1)
    void everyGeneratedRecordIsLandedLoadedOnceAndMerged() throws Exception {
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        assertEquals(0, deployed.exitCode(), deployed.output());
        pipeline.assertCustomerTrackProcessorsValid(); // customertrack.declaration empty: the default declaration
        final String group = pipeline.groupId();

        pipeline.awaitLandedFiles(6);
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(3));
        final long generated = generatedRecords(group);
        assertEveryLandedFileReportedMergedAfterItLanded();

        nifi.stop();
        final LocalPipeline.Outcome outcome = pipeline.verify();
        nifi.start();

        assertTrue(outcome.validRecords() > 0 && outcome.invalidRecords() > 0, "both outputs used: " + outcome);
        assertEquals(generated, outcome.validRecords() + outcome.invalidRecords(),
                "records in the generator's CREATE provenance events = landed valid + quarantined invalid: " + outcome);
        assertEquals(outcome.validRecords(), outcome.rawRows());
    }

    @Test
    @Order(2)
    void replacingWithAnotherNarVersionLosesNothingAndIssuesNoIdTwice() throws Exception {
        final String oldGroup = pipeline.groupId();
        final String oldContext = pipeline.rest().get("/process-groups/" + oldGroup).at("/component/parameterContext/id").asText();
        pipeline.setRunStatus(pipeline.generatorId(oldGroup), "RUNNING");
        pipeline.awaitLandedFiles(pipeline.landedFileCount() + 3);

        final Path upgrade = Nars.withVersion(SandboxNiFi.CUSTOMERTRACK_NAR, work.resolve("nifi-customertrack-nar-0.2.0-upgrade.nar"), "0.2.0-upgrade");
        pipeline.writeParameters(Map.of("generator.records.per.flowfile", "150"));
        final DeployScript.Run replaced = pipeline.deploy(upgrade, "--replace");
        assertEquals(0, replaced.exitCode(), replaced.output());

        final String newGroup = pipeline.groupId();
        assertFalse(newGroup.equals(oldGroup));
        final JsonNode root = pipeline.rest().get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups");
        assertEquals(1, root.size(), "the old group is gone: " + root);
        final JsonNode generator = pipeline.processor(newGroup, LocalPipeline.GENERATOR);
        assertEquals("0.2.0-upgrade", generator.at("/component/bundle/version").asText(), "the new group runs the new NAR");
        final JsonNode newContext = pipeline.rest().get("/parameter-contexts/"
                + pipeline.rest().get("/process-groups/" + newGroup).at("/component/parameterContext/id").asText());
        assertEquals("150", parameter(newContext, "generator.records.per.flowfile"));
        assertFalse(newContext.get("id").asText().equals(oldContext), "the new group has a parameter context of its own");
        for (final JsonNode context : pipeline.rest().get("/flow/parameter-contexts").get("parameterContexts")) {
            assertFalse(context.get("id").asText().equals(oldContext), "the old parameter context is deleted");
        }

        pipeline.awaitLandedFiles(pipeline.landedFileCount() + 3);
        pipeline.setRunStatus(pipeline.generatorId(newGroup), "STOPPED");
        pipeline.awaitDrained(newGroup, Duration.ofMinutes(3));
        nifi.stop();
        pipeline.verify();
        nifi.start();
    }

    @Test
    @Order(3)
    void crashesAtRandomPointsLoseAndDoubleNothing() throws Exception {
        final String group = pipeline.groupId();
        pipeline.setRunStatus(pipeline.generatorId(group), "RUNNING");
        final Random random = new Random(20261201L);
        // Every processor runs all the time, so a kill lands while some FlowFiles are being generated, others
        // validated, landed or merged; the delays spread the kills over those phases.
        for (int crash = 1; crash <= 5; crash++) {
            final long before = pipeline.landedFileCount();
            pipeline.awaitLandedFiles(before + 1);
            NiFiRest.sleep(random.nextInt(4_000));
            nifi.kill();
            nifi.start();
        }
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(3));
        nifi.stop();
        final LocalPipeline.Outcome outcome = pipeline.verify();
        nifi.start();
        assertTrue(outcome.rawRows() > 0);
    }

    /**
     * What run-local.sh's freshness figure is made of: for every landed file, the time TriggerSnowflakeMerge reported
     * it merged, found by the attribute the processor writes, and later than the file's landing.
     */
    private static void assertEveryLandedFileReportedMergedAfterItLanded() throws IOException {
        final Map<String, Instant> merged = pipeline.mergedAtByFile();
        final List<Path> landed = pipeline.landedFiles();
        assertEquals(landed.stream().map(Path::toString).collect(Collectors.toSet()), merged.keySet(),
                "every landed file has TriggerSnowflakeMerge's report, and no other file has one");
        for (final Path file : landed) {
            final Instant landedAt = Files.getLastModifiedTime(file).toInstant();
            assertTrue(merged.get(file.toString()).isAfter(landedAt), file + " reported merged at "
                    + merged.get(file.toString()) + ", before it landed at " + landedAt);
        }
    }

    /** The records of the generator's FlowFiles: the record.count attribute on its CREATE provenance events. */
    private static long generatedRecords(final String group) throws IOException {
        long records = 0;
        for (final JsonNode event : ProvenanceQuery.events(pipeline.rest(), pipeline.generatorId(group), "CREATE", true)) {
            final String count = ProvenanceQuery.attribute(event, "record.count");
            assertTrue(count != null && count.matches("\\d+"), "record.count of a generated FlowFile: " + count);
            records += Long.parseLong(count);
        }
        assertTrue(records > 0, "no CREATE events found");
        return records;
    }

    private static String parameter(final JsonNode context, final String name) {
        for (final JsonNode parameter : context.at("/component/parameters")) {
            if (parameter.at("/parameter/name").asText().equals(name)) {
                return parameter.at("/parameter/value").asText();
            }
        }
        throw new IllegalStateException("no parameter " + name + " in " + context);
    }
}

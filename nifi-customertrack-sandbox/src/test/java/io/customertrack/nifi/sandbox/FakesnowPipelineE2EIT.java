package io.customertrack.nifi.sandbox;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.snowflake.FakesnowServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker local profile's pipeline without Docker: scripts/init-local-warehouse.py creates the objects in fakesnow,
 * scripts/deploy-nifi.sh deploys the flow of scripts/local-flow.sh --warehouse fakesnow with docker/local.parameters,
 * and NiFi's DBCPConnectionPool merges through the real snowflake-jdbc driver. The same checks as the DuckDB run, for
 * the wide example declaration (every attribute type, optional and non-personal attributes) end to end: the objects
 * and the flow's COPY statement rendered from it, and its file the value of customertrack.declaration, which the
 * generator, the validator and the merge read.
 */
class FakesnowPipelineE2EIT {

    @TempDir
    static Path work;

    private static FakesnowServer fakesnow;
    private static SandboxNiFi nifi;

    @BeforeAll
    static void start() throws Exception {
        // The shared in-memory database, as in the Docker stack: NiFi's pool and the checks use it at the same time.
        fakesnow = new FakesnowServer(null);
        nifi = SandboxNiFi.startSecured(work.resolve("nifi"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (nifi != null) {
            nifi.close();
        }
        if (fakesnow != null) {
            fakesnow.close();
        }
    }

    @Test
    void customersOfTheWideDeclarationArriveInCustomerAndCustomerHistoryOnFakesnow() throws Exception {
        final Path wide = work.resolve("wide.json");
        try (InputStream example = Declaration.class.getResourceAsStream("/io/customertrack/declaration/examples/wide.json")) {
            Files.copy(example, wide);
        }
        final LocalPipeline pipeline = new LocalPipeline(nifi, work, LocalPipeline.fakesnow(fakesnow, Declaration.read(wide)), wide);
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        assertEquals(0, deployed.exitCode(), deployed.output());
        pipeline.assertCustomerTrackProcessorsValid();
        final String group = pipeline.groupId();

        pipeline.awaitLandedFiles(4);
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(3));

        final LocalPipeline.Outcome outcome = pipeline.verify();
        assertTrue(outcome.validRecords() > 0 && outcome.invalidRecords() > 0, "both outputs used: " + outcome);
        assertEquals(outcome.validRecords(), outcome.rawRows());
        try (Connection connection = pipeline.connectWarehouse(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT COUNT(*), COUNT(DISTINCT marketing_consent), COUNT(date_of_birth),"
                     + " COUNT(lifetime_value), COUNT(consent_changed_at) FROM customer WHERE NOT is_deleted")) {
            rs.next();
            assertTrue(rs.getLong(1) > 0 && rs.getLong(2) == 2 && rs.getLong(3) > 0 && rs.getLong(4) > 0 && rs.getLong(5) > 0,
                    "the wide declaration's values of every type reached CUSTOMER");
        }
        // The wide example tracks no history on some attributes and takes partial updates: the generator sent both, and
        // the merge (which verify() compared with the Java model above) resolved every empty required value after an INSERT.
        try (Connection connection = pipeline.connectWarehouse(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT (SELECT SUM(in_place_updates) FROM customer_merge_receipt),"
                     + " (SELECT COUNT(*) FROM customer_raw WHERE op = 'UPDATE' AND first_name IS NULL"
                     + " AND customer_id NOT IN (SELECT customer_id FROM customer_erasure)),"
                     // A late partial UPDATE before its customer's first INSERT has nothing to inherit.
                     + " (SELECT COUNT(*) FROM customer_history AS h WHERE first_name IS NULL AND valid_from >="
                     + " (SELECT MIN(updated_at) FROM customer_raw AS r WHERE r.customer_id = h.customer_id AND r.op = 'INSERT'))")) {
            rs.next();
            assertTrue(rs.getLong(1) > 0, "untracked-only changes were updated in place: " + rs.getLong(1));
            assertTrue(rs.getLong(2) > 0, "partial UPDATEs without the required first_name were loaded: " + rs.getLong(2));
            assertEquals(0, rs.getLong(3), "every version from a customer's first INSERT on has its first_name, resolved from an earlier event");
        }
    }
}

package io.customertrack.nifi.sandbox;

import io.customertrack.nifi.snowflake.FakesnowServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Docker local profile's pipeline without Docker: scripts/init-local-warehouse.py creates the objects in fakesnow,
 * scripts/deploy-nifi.sh deploys the flow of scripts/local-flow.sh --warehouse fakesnow with docker/local.parameters,
 * and NiFi's DBCPConnectionPool merges through the real snowflake-jdbc driver. The same checks as the DuckDB run.
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
    void customersArriveInCustomerAndCustomerHistoryOnFakesnow() throws Exception {
        final LocalPipeline pipeline = new LocalPipeline(nifi, work, LocalPipeline.fakesnow(fakesnow));
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        assertEquals(0, deployed.exitCode(), deployed.output());
        final String group = pipeline.groupId();

        pipeline.awaitLandedFiles(4);
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(3));

        final LocalPipeline.Outcome outcome = pipeline.verify();
        assertTrue(outcome.validRecords() > 0 && outcome.invalidRecords() > 0, "both outputs used: " + outcome);
        assertEquals(outcome.validRecords(), outcome.rawRows());
    }
}

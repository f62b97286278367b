package io.customertrack.nifi.processors;

import io.customertrack.nifi.ProjectFiles;
import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.Events;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.ScdModel;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs the schema-level objects of sql/02-04 in a throwaway schema of a real Snowflake account, loads files through
 * TriggerSnowflakeMerge (COPY mode from an internal stage), merges through the processor and through the procedure,
 * and checks SCD1/SCD2 against the reference model. Account-level objects (roles, integration, pipe, task) are not
 * created: they need ACCOUNTADMIN and S3.
 * Enabled only when SNOWFLAKE_ACCOUNT is set; also needs SNOWFLAKE_USER, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_DATABASE,
 * SNOWFLAKE_ROLE (optional) and SNOWFLAKE_PRIVATE_KEY_FILE or SNOWFLAKE_PASSWORD. Reported as skipped otherwise.
 */
@EnabledIfEnvironmentVariable(named = "SNOWFLAKE_ACCOUNT", matches = ".+", disabledReason = "SNOWFLAKE_ACCOUNT not set: no Snowflake account to test against")
class SnowflakeIntegrationTest {

    private static final String SCHEMA = "CT_IT_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase(Locale.ROOT);
    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");

    @TempDir
    static Path tempDir;

    private static String url;
    private static Properties properties;
    private static Connection admin;

    @BeforeAll
    static void createSchema() throws Exception {
        url = "jdbc:snowflake://" + System.getenv("SNOWFLAKE_ACCOUNT") + ".snowflakecomputing.com/";
        properties = new Properties();
        properties.put("user", System.getenv("SNOWFLAKE_USER"));
        properties.put("warehouse", System.getenv("SNOWFLAKE_WAREHOUSE"));
        properties.put("db", System.getenv("SNOWFLAKE_DATABASE"));
        if (System.getenv("SNOWFLAKE_ROLE") != null) {
            properties.put("role", System.getenv("SNOWFLAKE_ROLE"));
        }
        if (System.getenv("SNOWFLAKE_PRIVATE_KEY_FILE") != null) {
            properties.put("authenticator", "SNOWFLAKE_JWT");
            properties.put("private_key_file", System.getenv("SNOWFLAKE_PRIVATE_KEY_FILE"));
        } else {
            properties.put("password", System.getenv("SNOWFLAKE_PASSWORD"));
        }
        admin = DriverManager.getConnection(url, properties);
        try (Statement sql = admin.createStatement()) {
            sql.execute("CREATE SCHEMA " + SCHEMA);
            sql.execute("USE SCHEMA " + SCHEMA);
            for (final String file : List.of("02_ingest.sql", "03_scd_tables.sql", "04_merge.sql")) {
                for (final String statement : MergeScript.split(ProjectFiles.read("sql/" + file))) {
                    if (isSchemaLevel(statement)) {
                        sql.execute(statement);
                    }
                }
            }
            sql.execute("CREATE STAGE CUSTOMER_STAGE FILE_FORMAT = (FORMAT_NAME = 'CUSTOMER_CSV')"); // internal stand-in for the S3 stage
        }
        properties.put("schema", SCHEMA);
    }

    /** The objects a throwaway schema can hold; grants and account objects are left out. */
    private static boolean isSchemaLevel(final String statement) {
        final String text = statement.strip().toUpperCase(Locale.ROOT);
        return text.startsWith("CREATE FILE FORMAT") || text.startsWith("CREATE TABLE") || text.startsWith("CREATE STREAM")
                || text.startsWith("CREATE OR REPLACE PROCEDURE");
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        if (admin != null) {
            try (Statement sql = admin.createStatement()) {
                sql.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
            admin.close();
        }
    }

    private static String csv(final List<CustomerEvent> events) {
        final StringBuilder csv = new StringBuilder("customer_id,first_name,last_name,email,street,city,state,country,op,updated_at\n");
        for (final CustomerEvent event : events) {
            csv.append(event.customerId());
            event.values().forEach(value -> csv.append(',').append(value == null ? "" : '"' + value.replace("\"", "\"\"") + '"'));
            csv.append(',').append(event.op()).append(',')
                    .append(io.customertrack.declaration.check.EventTimes.format(event.updatedAt())).append('\n');
        }
        return csv.toString();
    }

    private static void stage(final String name, final List<CustomerEvent> events) throws Exception {
        final Path file = tempDir.resolve(name);
        Files.writeString(file, csv(events));
        try (Statement sql = admin.createStatement()) {
            sql.execute("PUT 'file://" + file.toAbsolutePath() + "' @" + SCHEMA + ".CUSTOMER_STAGE AUTO_COMPRESS = FALSE");
        }
    }

    private static CustomerEvent event(final long id, final int minute, final String city) {
        return Events.upsert(id, minute == 0 ? "INSERT" : "UPDATE", T1.plusMinutes(minute), "N" + id, "F", "n@example.com", "s", city, "st", "co");
    }

    @Test
    void loadsMergesAndKeepsTheScdInvariants() throws Exception {
        final List<CustomerEvent> first = List.of(event(1, 0, "London"), event(1, 5, "Paris"), event(2, 0, "Rome"), Events.delete(2, T1.plusMinutes(7)));
        final List<CustomerEvent> late = List.of(event(1, 2, "Oslo"), event(2, 9, "Lima"));
        stage("first.csv", first);
        stage("late.csv", late);

        final TestRunner runner = TestRunners.newTestRunner(TriggerSnowflakeMerge.class);
        final Dbcp2ConnectionPool pool = new Dbcp2ConnectionPool(url, properties);
        runner.addControllerService("snowflake", pool);
        runner.enableControllerService(pool);
        runner.setProperty(TriggerSnowflakeMerge.CONNECTION_POOL, "snowflake");
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.enqueue(new byte[0], Map.of("s3.key", "first.csv"));
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst().assertAttributeExists(CustomerTrackAttributes.QUERY_ID);

        // The second file goes through COPY and the procedure, as the scheduled task would run it.
        try (Statement sql = admin.createStatement()) {
            sql.execute("COPY INTO CUSTOMER_RAW (customer_id, first_name, last_name, email, street, city, state, country, op, updated_at, "
                    + "source_file, source_row_number, loaded_at) FROM (SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                    + "METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME FROM @CUSTOMER_STAGE) FILES = ('late.csv')");
            sql.execute("CALL MERGE_CUSTOMER_CHANGES()");
        }
        final List<CustomerEvent> all = new ArrayList<>(first);
        all.addAll(late);
        assertEquals(ScdModel.expected(all).history(), history());
        try (Statement sql = admin.createStatement(); ResultSet rs = sql.executeQuery("SELECT COUNT(*) FROM CUSTOMER_MERGE_LOG")) {
            rs.next();
            assertEquals(2, rs.getInt(1));
        }
        // Replaying the first file changes nothing.
        runner.clearTransferState();
        runner.enqueue(new byte[0], Map.of("s3.key", "first.csv"));
        runner.run();
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst().assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_EARLIER_RUN);
        assertEquals(ScdModel.expected(all).history(), history());
    }

    /** Read as the other tests read it: snowflake-jdbc 4.0.0 rejects getObject(.., LocalDateTime.class). */
    private static List<ScdModel.Version> history() throws SQLException {
        return CustomerStore.on(admin).history();
    }
}

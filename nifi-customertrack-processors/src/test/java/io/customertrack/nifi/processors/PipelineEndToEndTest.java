package io.customertrack.nifi.processors;

import io.customertrack.nifi.merge.CustomerStore;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole NiFi side with the real processors and CSV services: GenerateFakeCustomer -> ValidateCustomerRecord ->
 * files (standing in for PutS3Object) -> TriggerSnowflakeMerge (COPY mode) -> DuckDB. Checks that every generated
 * record is accounted for and that the SCD tables agree with what was generated.
 */
class PipelineEndToEndTest {

    @TempDir
    Path lake;

    @Test
    void generatedCustomersEndUpInBothScdTables() throws Exception {
        final TestRunner generator = GenerateFakeCustomerTest.newRunner();
        generator.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "500");
        generator.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "30");
        generator.setProperty(GenerateFakeCustomer.DELETE_PERCENTAGE, "10");
        generator.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "5");
        generator.setProperty(GenerateFakeCustomer.KNOWN_CUSTOMER_WINDOW, "300");
        generator.setProperty(GenerateFakeCustomer.RANDOM_SEED, "2026");
        generator.run(4);

        final TestRunner validator = ValidateCustomerRecordTest.newRunner();
        generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).forEach(flowFile -> validator.enqueue(flowFile.toByteArray()));
        validator.run(4);
        long valid = 0;
        long invalid = 0;
        int file = 0;
        final TestRunner merger = TestRunners.newTestRunner(TriggerSnowflakeMerge.class);
        for (final MockFlowFile flowFile : validator.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID)) {
            valid += Long.parseLong(flowFile.getAttribute("record.count"));
            final Path object = lake.resolve("valid-" + file++ + ".csv");
            Files.write(object, flowFile.toByteArray());
            merger.enqueue(new byte[0], Map.of("s3.key", object.toString()));
        }
        for (final MockFlowFile flowFile : validator.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID)) {
            invalid += Long.parseLong(flowFile.getAttribute("record.count"));
        }
        assertEquals(2000, valid + invalid, "every generated record is valid or invalid");
        assertTrue(invalid > 50 && invalid < 150, "about 5% invalid: " + invalid);

        final String url = "jdbc:duckdb:" + lake.resolve("warehouse.duckdb");
        try (CustomerStore store = new CustomerStore(url)) {
            final DuckDbConnectionPool pool = new DuckDbConnectionPool();
            merger.addControllerService("duckdb", pool);
            merger.setProperty(pool, DuckDbConnectionPool.DATABASE_URL, url);
            merger.enableControllerService(pool);
            merger.setProperty(TriggerSnowflakeMerge.CONNECTION_POOL, "duckdb");
            merger.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
            merger.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, TriggerSnowflakeMergeTest.DUCKDB_COPY);
            merger.run();
            merger.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, file);
            final long mergedRows = merger.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).stream()
                    .mapToLong(flowFile -> Long.parseLong(flowFile.getAttribute(CustomerTrackAttributes.FILE_ROWS))).sum();
            assertEquals(valid, mergedRows, "every valid record loaded and merged once");

            // Generated inserts open versions, deletes close them; the tables must agree with each other.
            assertEquals(store.count("SELECT COUNT(DISTINCT customer_id) FROM customer_raw WHERE op <> 'DELETE'"),
                    store.count("SELECT COUNT(*) FROM customer"));
            assertEquals(store.count("SELECT COUNT(*) FROM customer WHERE NOT is_deleted"),
                    store.count("SELECT COUNT(*) FROM customer_history WHERE is_current"));
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer c JOIN customer_history h ON h.customer_id = c.customer_id "
                    + "AND h.is_current WHERE h.row_hash <> c.row_hash"));
            assertTrue(store.count("SELECT COUNT(*) FROM customer WHERE is_deleted") > 0, "deletes reached SCD1");
            assertTrue(store.count("SELECT COUNT(*) FROM customer_history") > store.count("SELECT COUNT(*) FROM customer"), "history has versions");
            merger.disableControllerService(pool);
        }
    }
}

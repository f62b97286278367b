package io.customertrack.nifi.processors;

import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.SnowflakeDdl;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One CSV dialect from NiFi's writer to the warehouse: hostile but valid values written by ValidateCustomerRecord through
 * NiFi's CSVRecordSetWriter with the flow's exact settings arrive byte-identical through the DuckDB COPY of the local
 * flow, and sql/02's CUSTOMER_CSV declares the same dialect for Snowflake (fakesnow 0.12.1 cannot run that COPY: see
 * the README).
 */
class CsvDialectTest {

    private static final String HEADER = "customer_id,first_name,last_name,email,street,city,state,country,op,updated_at";
    /** Values that a backslash escape, a missing quote rule or a NULL marker would change. */
    private static final List<String> HOSTILE = List.of("O\"Neil", "Back\\slash", "comma, inside", "ends in backslash\\",
            "\\N", "NULL", "  padded  ", "naïve 東京 🚀", "\"quoted\"", "\\\"", "a\\nb");

    @TempDir
    Path work;

    /** With the CSVReader parsers that keep the dialect (the flow's choice among them is in BENCHMARKS.md). */
    @ParameterizedTest
    @ValueSource(strings = {"commons-csv", "jackson-csv"})
    void hostileValuesArriveByteIdenticalAndAnEmptyOptionalValueArrivesAsNull(final String parser) throws Exception {
        final StringBuilder input = new StringBuilder(HEADER).append('\n');
        final List<List<String>> expected = new ArrayList<>();
        for (int i = 0; i < HOSTILE.size(); i++) {
            final String value = HOSTILE.get(i);
            final List<String> attributes = List.of(value, "Last " + value, "user" + i + "@example.com", value, value, value, "Country");
            expected.add(attributes);
            input.append(i + 1);
            attributes.forEach(attribute -> input.append(',').append(rfc4180(attribute)));
            input.append(",INSERT,2026-01-01T10:00:").append(String.format("%02d", i)).append(".000000Z\n");
        }
        // A DELETE needs only key, op and time: its empty optional values must arrive as NULL, as Snowflake's
        // EMPTY_FIELD_AS_NULL and NULL_IF = ('') make them.
        input.append(HOSTILE.size() + 1).append(",,,,,,,,DELETE,2026-01-01T11:00:00.000000Z\n");
        expected.add(Arrays.asList(new String[7]));

        final TestRunner validate = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        CsvServices.addReader(validate, Map.of(CsvServices.CSV_PARSER, parser));
        CsvServices.addWriter(validate, CsvServices.WRITER_ID);
        validate.setProperty(ValidateCustomerRecord.RECORD_READER, CsvServices.READER_ID);
        validate.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        validate.setProperty("Normalize Values", "false");
        validate.enqueue(input.toString());
        validate.run();
        validate.assertTransferCount(ValidateCustomerRecord.REL_VALID, 1);
        final MockFlowFile valid = validate.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        final String written = valid.getContent();
        validate.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        assertTrue(written.contains("\"O\"\"Neil\""), "a quote inside a value is doubled, never backslash-escaped:\n" + written);
        assertTrue(written.contains("Back\\slash"), "a backslash is written as itself:\n" + written);

        final Path file = Files.writeString(work.resolve("hostile.csv"), written, StandardCharsets.UTF_8);
        try (CustomerStore store = new CustomerStore("jdbc:duckdb:"); Statement copy = store.connection().createStatement()) {
            copy.execute(TriggerSnowflakeMergeTest.DUCKDB_COPY.replace("{files}", "'" + file + "'"));
            final List<CustomerEvent> loaded = store.rawEvents().stream()
                    .sorted((a, b) -> Long.compare(a.customerId(), b.customerId())).toList();
            assertEquals(expected.size(), loaded.size());
            for (int i = 0; i < loaded.size(); i++) {
                assertEquals(expected.get(i), loaded.get(i).values(), "values of customer " + (i + 1));
            }
        }
    }

    /**
     * FastCSV, as NiFi 2.6.0's CSVReader configures it, reads a value that is all quotes-inside, written {@code """quoted"""},
     * as {@code quoted}: it does not keep the dialect, so the flow cannot use it however fast it is.
     */
    @Test
    void fastCsvLosesTheQuotesOfAValueThatStartsAndEndsWithOne() throws Exception {
        final TestRunner validate = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        CsvServices.addReader(validate, Map.of(CsvServices.CSV_PARSER, "fast-csv"));
        CsvServices.addWriter(validate, CsvServices.WRITER_ID);
        validate.setProperty(ValidateCustomerRecord.RECORD_READER, CsvServices.READER_ID);
        validate.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        validate.enqueue(HEADER + "\n1," + rfc4180("\"quoted\"") + ",L,a@example.com,s,c,st,co,INSERT,2026-01-01T10:00:00.000000Z\n");
        validate.run();
        final String written = validate.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst().getContent();
        assertTrue(written.contains("\n1,quoted,L,"), "FastCSV dropped the quotes (if it keeps them now, it may be measured):\n" + written);
    }

    @Test
    void snowflakesFileFormatDeclaresTheDialectOfTheFlowsCsvServices() throws Exception {
        for (final String service : List.of("CSV Reader", "CSV Writer")) {
            assertEquals("", CsvServices.flowProperties(service).get("Escape Character"), service + ": no escape character");
            assertEquals("false", CsvServices.flowProperties(service).get("Trim Fields"), service + ": values as they are");
            assertFalse(CsvServices.flowProperties(service).containsKey("Quote Character"), service + ": the default double quote");
            assertFalse(CsvServices.flowProperties(service).containsKey("Value Separator"), service + ": the default comma");
        }
        final Matcher format = Pattern.compile("(?s)CREATE FILE FORMAT IF NOT EXISTS CUSTOMER_CSV(.*?);")
                .matcher(Files.readString(SnowflakeDdl.sqlFolder().resolve("02_ingest.sql")));
        assertTrue(format.find(), "sql/02 defines CUSTOMER_CSV");
        final String options = format.group(1).replaceAll("\\s+", " ");
        for (final String option : List.of("FIELD_DELIMITER = ','", "FIELD_OPTIONALLY_ENCLOSED_BY = '\"'", "ESCAPE = NONE",
                "ESCAPE_UNENCLOSED_FIELD = NONE", "SKIP_HEADER = 1", "EMPTY_FIELD_AS_NULL = TRUE", "NULL_IF = ('')")) {
            assertTrue(options.contains(option), "CUSTOMER_CSV declares " + option + ": " + options);
        }
    }

    private static String rfc4180(final String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }
}

package io.customertrack.nifi.processors;

import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;

/** Adds NiFi's real CSV reader and writer services to a TestRunner, configured the way the CustomerTrack flow uses them. */
final class CsvServices {

    static final String READER_ID = "csv-reader";
    static final String WRITER_ID = "csv-writer";

    private CsvServices() {
    }

    /** A CSVReader that takes string fields from the header line. */
    static CSVReader addReader(final TestRunner runner) throws InitializationException {
        final CSVReader reader = new CSVReader();
        runner.addControllerService(READER_ID, reader);
        runner.setProperty(reader, org.apache.nifi.schema.access.SchemaAccessUtils.SCHEMA_ACCESS_STRATEGY, "csv-header-derived");
        runner.enableControllerService(reader);
        return reader;
    }

    /** A CSVRecordSetWriter that writes the record schema it is given, with a header line. */
    static CSVRecordSetWriter addWriter(final TestRunner runner, final String id) throws InitializationException {
        final CSVRecordSetWriter writer = new CSVRecordSetWriter();
        runner.addControllerService(id, writer);
        runner.enableControllerService(writer);
        return writer;
    }
}

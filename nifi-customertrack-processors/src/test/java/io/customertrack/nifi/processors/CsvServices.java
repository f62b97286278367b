package io.customertrack.nifi.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.customertrack.nifi.ProjectFiles;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds NiFi's real CSV reader and writer services to a TestRunner with exactly the properties the CustomerTrack flow
 * (flows/customertrack/customertrack-pipeline.json) gives its "CSV Reader" and "CSV Writer": the CSV dialect is
 * declared there once.
 */
public final class CsvServices {

    public static final String READER_ID = "csv-reader";
    public static final String WRITER_ID = "csv-writer";
    /** CSVReader's parser choice (Apache Commons CSV, Jackson CSV, FastCSV). */
    public static final String CSV_PARSER = "csv-reader-csv-parser";

    private CsvServices() {
    }

    public static CSVReader addReader(final TestRunner runner) throws InitializationException {
        return addReader(runner, Map.of());
    }

    /** The flow's reader with some properties set otherwise, e.g. another {@link #CSV_PARSER}. */
    public static CSVReader addReader(final TestRunner runner, final Map<String, String> overrides) throws InitializationException {
        return add(runner, READER_ID, new CSVReader(), "CSV Reader", overrides);
    }

    public static CSVRecordSetWriter addWriter(final TestRunner runner, final String id) throws InitializationException {
        return add(runner, id, new CSVRecordSetWriter(), "CSV Writer", Map.of());
    }

    private static <S extends ControllerService> S add(final TestRunner runner, final String id, final S service,
                                                       final String flowServiceName, final Map<String, String> overrides)
            throws InitializationException {
        runner.addControllerService(id, service);
        final Map<String, String> properties = new LinkedHashMap<>(flowProperties(flowServiceName));
        properties.putAll(overrides);
        properties.forEach((name, value) -> runner.setProperty(service, name, value));
        runner.assertValid(service);
        runner.enableControllerService(service);
        return service;
    }

    /** The properties the flow definition sets on the named controller service. */
    static Map<String, String> flowProperties(final String serviceName) {
        for (final JsonNode service : flow().at("/flowContents/controllerServices")) {
            if (service.get("name").asText().equals(serviceName)) {
                final Map<String, String> properties = new LinkedHashMap<>();
                service.get("properties").fields().forEachRemaining(entry -> properties.put(entry.getKey(), entry.getValue().asText()));
                return properties;
            }
        }
        throw new IllegalStateException("the flow has no controller service named " + serviceName);
    }

    private static JsonNode flow() {
        try {
            return new ObjectMapper().readTree(ProjectFiles.read("flows/customertrack/customertrack-pipeline.json"));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.customertrack.nifi.processors;

import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.dbcp.DBCPService;
import org.apache.nifi.processor.exception.ProcessException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** A DBCPService that opens JDBC connections with DriverManager, for tests against a real remote database. */
public class DriverManagerConnectionPool extends AbstractControllerService implements DBCPService {

    private final String url;
    private final Properties properties;

    public DriverManagerConnectionPool(final String url, final Properties properties) {
        this.url = url;
        this.properties = properties;
    }

    @Override
    public Connection getConnection() throws ProcessException {
        try {
            return DriverManager.getConnection(url, properties);
        } catch (final SQLException e) {
            throw new ProcessException("Cannot connect to " + url, e);
        }
    }
}

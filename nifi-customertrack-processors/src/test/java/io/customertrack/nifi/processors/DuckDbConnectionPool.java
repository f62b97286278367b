package io.customertrack.nifi.processors;

import io.customertrack.nifi.merge.CustomerStore;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.dbcp.DBCPService;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.duckdb.DuckDBConnection;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DBCPService over one embedded DuckDB database: every getConnection() is a new DuckDB connection to it.
 * Tests can make the connection "drop" when a statement starting with a given prefix runs, to simulate a network
 * failure in the middle of the merge transaction.
 */
public class DuckDbConnectionPool extends AbstractControllerService implements DBCPService {

    static final PropertyDescriptor DATABASE_URL = new PropertyDescriptor.Builder()
            .name("Database URL")
            .required(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    private final AtomicReference<String> dropConnectionOnStatementPrefix = new AtomicReference<>();
    private final AtomicReference<Interruption> interruption = new AtomicReference<>();
    private final List<String> statements = new CopyOnWriteArrayList<>();

    private record Interruption(String prefix, Runnable action) {
    }
    private volatile DuckDBConnection database;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return List.of(DATABASE_URL);
    }

    /** Opens the database, unless it is open already: one pool may serve two test runners. */
    @OnEnabled
    public void open(final ConfigurationContext context) throws SQLException {
        if (database != null && !database.isClosed()) {
            return;
        }
        database = (DuckDBConnection) CustomerStore.open(context.getProperty(DATABASE_URL).getValue());
    }

    @OnDisabled
    public void close() throws SQLException {
        database.close();
    }

    /** From now on, a statement starting with {@code prefix} fails as if the network dropped; null turns this off. */
    void dropConnectionOn(final String prefix) {
        dropConnectionOnStatementPrefix.set(prefix);
    }

    /** Runs the action once, just before the next statement that starts with the prefix reaches DuckDB. */
    void beforeStatement(final String prefix, final Runnable action) {
        interruption.set(new Interruption(prefix, action));
    }

    /** Every statement sent through this pool's connections, in order. */
    List<String> statements() {
        return List.copyOf(statements);
    }

    @Override
    public Connection getConnection() throws ProcessException {
        try {
            final Connection connection = database.duplicate();
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().startsWith("prepare") && args != null && args.length > 0 && args[0] instanceof String sql) {
                            statements.add(sql);
                        }
                        final Object result = invoke(connection, method, args);
                        return result instanceof Statement statement ? failingStatement(statement) : result;
                    });
        } catch (final SQLException e) {
            throw new ProcessException("Cannot open a DuckDB connection", e);
        }
    }

    private Statement failingStatement(final Statement statement) {
        final Class<?> type = statement instanceof java.sql.PreparedStatement ? java.sql.PreparedStatement.class : Statement.class;
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{type},
                (proxy, method, args) -> {
                    if (method.getName().startsWith("execute") && args != null && args.length > 0 && args[0] instanceof String sql) {
                        statements.add(sql);
                        final Interruption pending = interruption.get();
                        if (pending != null && sql.startsWith(pending.prefix()) && interruption.compareAndSet(pending, null)) {
                            pending.action().run();
                        }
                    }
                    final String prefix = dropConnectionOnStatementPrefix.get();
                    if (prefix != null && method.getName().startsWith("execute") && args != null && args.length > 0
                            && args[0] instanceof String sql && sql.startsWith(prefix)) {
                        throw new SQLRecoverableException("Simulated network failure: connection reset while running " + prefix, "08S01");
                    }
                    return invoke(statement, method, args);
                });
    }

    private static Object invoke(final Object target, final java.lang.reflect.Method method, final Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (final InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

package io.customertrack.nifi.processors;

import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.dbcp.DBCPService;
import org.apache.nifi.processor.exception.ProcessException;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A DBCPService over commons-dbcp2's BasicDataSource, which is what NiFi's DBCPConnectionPool builds on: the
 * processor sees dbcp2's Delegating* connections and statements, as in production. (nifi-dbcp-service itself is served
 * only inside its NAR, which the sandbox NiFi runs.) A test can run an action just before a statement starting with a
 * given prefix reaches the driver, e.g. to kill the server mid-merge, and send another statement in place of one the
 * stand-in server lacks. It records every statement, as sent by the code under test. One connection at most: fakesnow
 * holds a database file for one session at a time.
 */
public class Dbcp2ConnectionPool extends AbstractControllerService implements DBCPService {

    private final BasicDataSource dataSource = new BasicDataSource();
    private final AtomicReference<Interruption> interruption = new AtomicReference<>();
    private final Map<String, String> replacements = new ConcurrentHashMap<>();
    private final List<String> statements = new CopyOnWriteArrayList<>();

    private record Interruption(String prefix, Runnable action) {
    }

    public Dbcp2ConnectionPool(final String url, final Properties properties) {
        this(url, properties, null);
    }

    /** With this driver instead of the one DriverManager finds for the URL (e.g. another version, in its own class loader). */
    public Dbcp2ConnectionPool(final String url, final Properties properties, final Driver driver) {
        dataSource.setUrl(url);
        if (driver != null) {
            dataSource.setDriver(driver);
        }
        properties.forEach((name, value) -> dataSource.addConnectionProperty(name.toString(), value.toString()));
        dataSource.setMaxTotal(1);
    }

    /** From now on, sends {@code replacement} to the driver in place of every statement that starts with {@code prefix}. */
    public void replace(final String prefix, final String replacement) {
        replacements.put(prefix, replacement);
    }

    /** Starts the record of statements afresh, e.g. after a test's own set-up statements. */
    public void forgetStatements() {
        statements.clear();
    }

    /** Every statement the code under test sent, in order, as it sent them (before any replacement). */
    public List<String> statements() {
        return List.copyOf(statements);
    }

    /** Runs the action once, just before the next statement that starts with the prefix is sent to the driver. */
    public void beforeStatement(final String prefix, final Runnable action) {
        interruption.set(new Interruption(prefix, action));
    }

    @Override
    public Connection getConnection() throws ProcessException {
        try {
            final Connection connection = dataSource.getConnection();
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().startsWith("prepare") && args != null && args.length > 0 && args[0] instanceof String sql) {
                            statements.add(sql);
                            args[0] = replaced(sql);
                        }
                        final Object result = invoke(connection, method, args);
                        return result instanceof Statement statement ? interruptible(statement) : result;
                    });
        } catch (final SQLException e) {
            throw new ProcessException("Cannot get a connection to " + dataSource.getUrl(), e);
        }
    }

    /** The statement as dbcp2 hands it out, with the test's hook in front; getInnermostDelegate still reaches the driver. */
    private Statement interruptible(final Statement statement) {
        final Class<?> type = statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{type, InnermostDelegate.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getInnermostDelegate")) {
                        return invoke(statement, statement.getClass().getMethod("getInnermostDelegate"), null);
                    }
                    if (method.getName().startsWith("execute") && args != null && args.length > 0 && args[0] instanceof String sql) {
                        statements.add(sql);
                        final Interruption pending = interruption.get();
                        if (pending != null && sql.startsWith(pending.prefix()) && interruption.compareAndSet(pending, null)) {
                            pending.action().run();
                        }
                        args[0] = replaced(sql);
                    }
                    return invoke(statement, method, args);
                });
    }

    /** dbcp2's accessor to the driver's statement, kept visible through the test's proxy. */
    public interface InnermostDelegate {
        Statement getInnermostDelegate();
    }

    private String replaced(final String sql) {
        return replacements.entrySet().stream().filter(entry -> sql.startsWith(entry.getKey())).map(Map.Entry::getValue)
                .findFirst().orElse(sql);
    }

    public void close() throws SQLException {
        dataSource.close();
    }

    private static Object invoke(final Object target, final java.lang.reflect.Method method, final Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (final InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

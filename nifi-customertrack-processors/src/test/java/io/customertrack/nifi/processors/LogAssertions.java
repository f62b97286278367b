package io.customertrack.nifi.processors;

import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.TestRunner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Checks of what a processor under test logged (which becomes NiFi's log lines and bulletins). */
final class LogAssertions {

    private LogAssertions() {
    }

    /** No log message of the processor names one of the values, and none carries an exception (whose message could). */
    static void assertNoLogCarries(final TestRunner runner, final String... values) {
        final List<LogMessage> messages = new ArrayList<>();
        messages.addAll(runner.getLogger().getDebugMessages());
        messages.addAll(runner.getLogger().getInfoMessages());
        messages.addAll(runner.getLogger().getWarnMessages());
        messages.addAll(runner.getLogger().getErrorMessages());
        for (final LogMessage message : messages) {
            assertNull(message.getThrowable(), "an exception logged: " + message.getMsg());
            final Object[] arguments = message.getArgs() == null ? new Object[0] : message.getArgs();
            for (final Object argument : arguments) {
                assertFalse(argument instanceof Throwable, "an exception logged: " + message.getMsg());
            }
            final String text = message.getMsg() + " " + Arrays.toString(arguments);
            for (final String value : values) {
                assertFalse(text.contains(value), "'" + value + "' logged: " + text);
            }
        }
    }
}

package io.customertrack.nifi.processors;

import java.sql.SQLException;

/**
 * Error descriptions fit for FlowFile attributes, bulletins and log lines, which NiFi keeps (provenance, bulletins, log
 * files) longer than the data and shows to everyone who may see the flow. A driver's or a reader's message can quote
 * the values of the record it failed on (Snowflake: {@code Numeric value 'Ada' is not recognized}; DuckDB's CSV reader
 * adds the whole input row on a line of its own), so a description keeps of each message in the cause chain its lines
 * up to the first blank one, drops the lines that echo an input row, masks every quoted text, and is bounded; a SQL
 * error leads with its SQLState and error code, which identify it exactly. The exception itself (message and stack
 * trace) is never logged.
 */
final class ErrorText {

    /** Characters a description may have; the rest is cut. */
    static final int MAX_LENGTH = 300;

    private static final String MASK = "?";
    private static final String LINE_SEPARATOR = " / ";

    private ErrorText() {
    }

    /** E.g. {@code SQLState 22018, error code 100038: Numeric value '?' is not recognized / File '?', line 2, character 1}. */
    static String describe(final Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                final String state = sql.getSQLState() == null ? "no SQLState" : "SQLState " + sql.getSQLState();
                return bounded(state + ", error code " + sql.getErrorCode() + ": " + masked(sql.getMessage()));
            }
        }
        final StringBuilder description = new StringBuilder();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            final String message = masked(cause.getMessage());
            if (!message.isEmpty() && description.indexOf(message) < 0) {
                if (!description.isEmpty()) {
                    description.append(": ");
                }
                description.append(message);
            }
        }
        final String type = error.getClass().getSimpleName();
        return bounded(description.isEmpty() ? type : type + ": " + description);
    }

    /**
     * The message's lines up to the first blank one, without those that echo an input row (DuckDB's "Original Line:"),
     * joined by " / ", with each text between single or double quotes replaced by '?' (an unclosed quote masks the rest).
     */
    static String masked(final String message) {
        if (message == null) {
            return "";
        }
        final StringBuilder kept = new StringBuilder();
        for (final String line : message.split("\n")) {
            final String text = line.strip();
            if (text.isEmpty()) {
                break;
            }
            if (text.startsWith("Original Line")) {
                continue;
            }
            if (!kept.isEmpty()) {
                kept.append(LINE_SEPARATOR);
            }
            kept.append(text);
        }
        final StringBuilder masked = new StringBuilder(kept.length());
        for (int i = 0; i < kept.length(); i++) {
            final char c = kept.charAt(i);
            if (c != '\'' && c != '"') {
                masked.append(c);
                continue;
            }
            final int close = kept.indexOf(String.valueOf(c), i + 1);
            masked.append(c).append(MASK).append(c);
            if (close < 0) {
                break;
            }
            i = close;
        }
        return masked.toString();
    }

    private static String bounded(final String text) {
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 3) + "...";
    }
}

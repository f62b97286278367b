package io.customertrack.declaration.check;

/** One broken rule on one field, with a message for people. */
public record Violation(String field, Rule rule, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** Key used to count violations, e.g. {@code email.invalid_syntax}. */
    public String summaryKey() {
        return field + "." + rule.code();
    }
}

package io.customertrack.declaration;

/**
 * One declared attribute of the customer: a column of CUSTOMER_RAW, CUSTOMER and CUSTOMER_HISTORY, a field of every
 * CustomerTrack file, in the declaration's order.
 *
 * @param name     lower snake case, a Snowflake identifier that needs no quotes, not one of the fixed columns
 * @param type     its Snowflake type
 * @param required whether INSERT and UPDATE events must carry a value (DELETE and ERASE carry none)
 * @param personal whether ERASE clears it (from every table, history and raw events included)
 * @param rules    what its values must satisfy beyond the type
 * @param generate where GenerateFakeCustomer takes its values from
 * @param since    the declaration version that added it: 1 for the first attributes; a later one for an attribute
 *                 appended to a running pipeline, which files carry after updated_at and the row hash counts only
 *                 when it has a value
 * @param trackHistory whether a change of its value opens a new version in CUSTOMER_HISTORY; an untracked attribute's
 *                 value in a version is that of the version's latest event, updated in place
 */
public record Attribute(String name, AttributeType type, boolean required, boolean personal, Rules rules, ValueSource generate,
                        int since, boolean trackHistory) {

    /** An attribute of the first version, whose history is tracked. */
    public Attribute(final String name, final AttributeType type, final boolean required, final boolean personal, final Rules rules,
                     final ValueSource generate) {
        this(name, type, required, personal, rules, generate, 1, true);
    }

    /** Whether it was appended to a running pipeline by a later declaration version. */
    public boolean appended() {
        return since > 1;
    }
}

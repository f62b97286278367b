package io.customertrack.declaration.check;

/** The rules, by the stable code each violation is counted under (in the validation.errors attribute and counters). */
public enum Rule {
    UNEXPECTED_FIELD("unexpected_field"),
    NOT_SCALAR("not_scalar"),
    REQUIRED("required"),
    INVALID_ENCODING("invalid_encoding"),
    CONTROL_CHARACTER("control_character"),
    TOO_LONG("too_long"),
    NOT_POSITIVE_INTEGER("not_positive_integer"),
    INVALID_SYNTAX("invalid_syntax"),
    UNKNOWN_OPERATION("unknown"),
    NOT_ALLOWED_IN_ERASURE("not_allowed_in_erasure"),
    NOT_A_NUMBER("not_a_number"),
    TOO_MANY_DIGITS("too_many_digits"),
    NOT_A_BOOLEAN("not_a_boolean"),
    NOT_A_DATE("not_a_date"),
    NOT_A_TIMESTAMP("not_a_timestamp"),
    OUT_OF_RANGE("out_of_range"),
    PATTERN_MISMATCH("pattern_mismatch"),
    NOT_ONE_OF("not_one_of"),
    UNPARSEABLE("unparseable"),
    IN_FUTURE("in_future"),
    TOO_OLD("too_old"),
    AT_MERGE_SENTINEL("at_merge_sentinel");

    private final String code;

    Rule(final String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}

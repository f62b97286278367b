package io.customertrack.declaration.sql;

/** A change between two declarations that is not a migration the renderer writes, with what to do instead. */
public class MigrationRefusedException extends RuntimeException {

    public MigrationRefusedException(final String message) {
        super(message);
    }
}

package io.customertrack.declaration;

/** A declaration that cannot be used, with a message naming the attribute (where there is one) and the problem. */
public class DeclarationException extends RuntimeException {

    public DeclarationException(final String message) {
        super(message);
    }

    public DeclarationException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

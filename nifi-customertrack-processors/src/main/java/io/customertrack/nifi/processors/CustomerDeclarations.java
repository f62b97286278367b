package io.customertrack.nifi.processors;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.nifi.customer.CompiledDeclaration;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.PropertyValue;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.resource.ResourceCardinality;
import org.apache.nifi.components.resource.ResourceReference;
import org.apache.nifi.components.resource.ResourceType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The property every CustomerTrack processor reads the customer's attributes from, and reading it: the declaration's
 * JSON itself or the path of a file holding it (normally the flow parameter {@code customertrack.declaration}); unset,
 * the declaration CustomerTrack ships. A declaration that cannot be used makes the processor invalid, with the
 * declaration's own message.
 */
public final class CustomerDeclarations {

    public static final PropertyDescriptor CUSTOMER_DECLARATION = new PropertyDescriptor.Builder()
            .name("Customer Declaration")
            .description("The customer's attributes: the declaration's JSON, or the path of a file holding it. Every "
                    + "CustomerTrack processor of a pipeline and its Snowflake SQL must use the same declaration. When not set, "
                    + "the default declaration CustomerTrack ships (a name, an e-mail address and a postal address).")
            .required(false)
            .identifiesExternalResource(ResourceCardinality.SINGLE, ResourceType.TEXT, ResourceType.FILE)
            .build();

    private CustomerDeclarations() {
    }

    /**
     * The declaration the property names.
     *
     * @throws DeclarationException when it cannot be read or used
     */
    public static Declaration read(final PropertyValue value) {
        final ResourceReference resource = value.asResource();
        if (resource == null) {
            return Declaration.defaultDeclaration();
        }
        try (InputStream in = resource.read()) {
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // NiFi takes a path to no file for text: say that rather than call the path bad JSON.
            if (resource.getResourceType() == ResourceType.TEXT && !text.strip().startsWith("{")) {
                throw new DeclarationException("'" + abbreviated(text.strip()) + "' is neither a readable file nor a declaration's JSON");
            }
            return Declaration.parse(text);
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the declaration " + resource.getLocation() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The declaration the property names, compiled into the validator's checks.
     *
     * @throws DeclarationException when it cannot be read or used (a rule no value could keep included)
     */
    public static CompiledDeclaration compile(final PropertyValue value) {
        return compile(read(value));
    }

    /** A declaration already read, compiled into the validator's checks (the default one is compiled once, shared). */
    public static CompiledDeclaration compile(final Declaration declaration) {
        return declaration == Declaration.defaultDeclaration() ? CompiledDeclaration.defaultDeclaration() : CompiledDeclaration.compile(declaration);
    }

    private static String abbreviated(final String text) {
        return text.length() <= 200 ? text : text.substring(0, 197) + "...";
    }

    /** The property's validation: invalid, with the declaration's message, when it cannot be used. */
    public static ValidationResult validate(final PropertyValue value) {
        try {
            compile(value);
            return new ValidationResult.Builder().subject(CUSTOMER_DECLARATION.getDisplayName()).valid(true).build();
        } catch (final DeclarationException e) {
            return new ValidationResult.Builder().subject(CUSTOMER_DECLARATION.getDisplayName()).valid(false)
                    .explanation(e.getMessage()).build();
        }
    }
}

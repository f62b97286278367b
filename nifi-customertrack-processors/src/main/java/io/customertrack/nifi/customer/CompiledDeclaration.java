package io.customertrack.nifi.customer;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.declaration.check.AttributeCheck;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A declaration compiled for the processors, once per configuration: each attribute's checks, built up front so that
 * judging a value never interprets the declaration, and the record schema of its events.
 */
public final class CompiledDeclaration {

    private final Declaration declaration;
    private final AttributeCheck[] attributes;
    private final CustomerSchema schema;
    private final Set<String> fileColumns;
    private final boolean[] newest;

    private CompiledDeclaration(final Declaration declaration) {
        this.declaration = declaration;
        final List<Attribute> declared = declaration.attributes();
        this.attributes = new AttributeCheck[declared.size()];
        for (int i = 0; i < attributes.length; i++) {
            attributes[i] = AttributeCheck.compile(declared.get(i));
        }
        this.schema = CustomerSchema.of(declaration);
        this.fileColumns = Set.copyOf(declaration.fileColumns());
        this.newest = new boolean[declared.size()];
        for (int i = 0; i < newest.length; i++) {
            newest[i] = declaration.newestAttributes().contains(declared.get(i));
        }
    }

    /**
     * Compiles a declaration.
     *
     * @throws DeclarationException naming the attribute whose rules could never be kept
     */
    public static CompiledDeclaration compile(final Declaration declaration) {
        return new CompiledDeclaration(declaration);
    }

    /** The default declaration, compiled once. */
    public static CompiledDeclaration defaultDeclaration() {
        return Holder.DEFAULT;
    }

    public Declaration declaration() {
        return declaration;
    }

    public CustomerSchema schema() {
        return schema;
    }

    /** The number of declared attributes. */
    public int size() {
        return attributes.length;
    }

    /** The checks of the attribute at {@code index}, in declared order. */
    public AttributeCheck attribute(final int index) {
        return attributes[index];
    }

    /** Whether the attribute at {@code index} is one the declaration's version added (absent from the previous shape). */
    public boolean isNewest(final int index) {
        return newest[index];
    }

    /**
     * Whether records of the previous version's shape, without the attributes this version added, are still accepted at
     * {@code now}: until the declaration's previousShapeAcceptedUntil, exclusive; never without one.
     */
    public boolean acceptsPreviousShape(final Instant now) {
        final Instant until = declaration.previousShapeAcceptedUntil();
        return until != null && now.isBefore(until);
    }

    /** Whether {@code name} is a column of this declaration's files. */
    public boolean isFileColumn(final String name) {
        return fileColumns.contains(name);
    }

    private static final class Holder {
        static final CompiledDeclaration DEFAULT = compile(Declaration.defaultDeclaration());
    }
}

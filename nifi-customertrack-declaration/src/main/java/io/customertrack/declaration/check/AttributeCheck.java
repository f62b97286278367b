package io.customertrack.declaration.check;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.declaration.Rules;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One declared attribute compiled into checks, once per declaration: its type's check, then its rules in a fixed
 * order. {@link #check} judges one value and returns its canonical text; the first broken check is the value's one
 * violation.
 */
public final class AttributeCheck {

    private final String name;
    private final boolean required;
    private final boolean personal;
    private final boolean lowerCaseWhenNormalized;
    private final boolean noControlCharacters;
    private final TypeCheck type;
    private final RuleCheck[] rules;

    private AttributeCheck(final Attribute attribute, final TypeCheck type, final RuleCheck[] rules) {
        this.name = attribute.name();
        this.required = attribute.required();
        this.personal = attribute.personal();
        this.lowerCaseWhenNormalized = attribute.rules().email();
        this.noControlCharacters = attribute.rules().noControlCharacters();
        this.type = type;
        this.rules = rules;
    }

    /**
     * Compiles an attribute's type and rules.
     *
     * @throws DeclarationException naming the attribute when a rule's value could never be accepted (a oneOf value the
     *                              type or the other rules refuse, a min or max the NUMBER cannot hold)
     */
    public static AttributeCheck compile(final Attribute attribute) {
        final TypeCheck type = TypeCheck.of(attribute.type());
        final Rules declared = attribute.rules();
        final List<RuleCheck> rules = new ArrayList<>();
        if (declared.maxLength() != null) {
            rules.add(new RuleCheck.MaxLength(declared.maxLength()));
        }
        if (declared.email()) {
            rules.add(new RuleCheck.Email());
        }
        if (declared.pattern() != null) {
            rules.add(new RuleCheck.Matches(Pattern.compile(declared.pattern())));
        }
        final BigDecimal min = bound(attribute, type, "min", declared.min());
        final BigDecimal max = bound(attribute, type, "max", declared.max());
        if (min != null || max != null) {
            rules.add(new RuleCheck.Range(min, max));
        }
        final AttributeCheck withoutOneOf = new AttributeCheck(attribute, type, rules.toArray(RuleCheck[]::new));
        if (declared.oneOf() != null) {
            final Set<String> canonical = new HashSet<>();
            for (final String value : declared.oneOf()) {
                final List<Violation> violations = new ArrayList<>(1);
                final String accepted = withoutOneOf.check(value, false, false, violations);
                if (accepted == null) {
                    throw new DeclarationException("attribute '" + attribute.name() + "': rule oneOf value '" + value
                            + "' could never be accepted: it " + violations.getFirst().message());
                }
                canonical.add(accepted);
            }
            rules.add(new RuleCheck.OneOf(Set.copyOf(canonical), declared.oneOf()));
        }
        return new AttributeCheck(attribute, type, rules.toArray(RuleCheck[]::new));
    }

    private static BigDecimal bound(final Attribute attribute, final TypeCheck type, final String rule, final BigDecimal bound) {
        if (bound == null) {
            return null;
        }
        final List<Violation> violations = new ArrayList<>(1);
        if (type.canonical(attribute.name(), bound.toPlainString(), violations) == null) {
            throw new DeclarationException("attribute '" + attribute.name() + "': rule " + rule + " " + bound.toPlainString()
                    + " does not fit the type " + attribute.type().sql() + ": it " + violations.getFirst().message());
        }
        return bound;
    }

    public String name() {
        return name;
    }

    public boolean required() {
        return required;
    }

    public boolean personal() {
        return personal;
    }

    /**
     * Judges one value.
     *
     * @param value     the text as read (not null)
     * @param normalize trim it first, and lower-case an e-mail address
     * @param optional  whether it may be left empty (an optional attribute, or any attribute of a DELETE)
     * @return its canonical text; null when it is empty (a violation unless optional) or breaks a check (a violation)
     */
    public String check(final String value, final boolean normalize, final boolean optional, final List<Violation> violations) {
        final String text = !normalize ? value
                : lowerCaseWhenNormalized ? value.strip().toLowerCase(Locale.ROOT) : value.strip();
        if (isBlank(text)) {
            if (!optional) {
                violations.add(new Violation(name, Rule.REQUIRED, "is blank"));
            }
            return null;
        }
        if (noControlCharacters) {
            final int position = firstNonPlainCharacter(text);
            if (position >= 0) {
                violations.add(nonPlainCharacter(text, position));
                return null;
            }
        }
        final String canonical = type.canonical(name, text, violations);
        if (canonical == null) {
            return null;
        }
        for (final RuleCheck rule : rules) {
            final Violation violation = rule.check(name, canonical);
            if (violation != null) {
                violations.add(violation);
                return null;
            }
        }
        return canonical;
    }

    private Violation nonPlainCharacter(final String text, final int position) {
        final int c = text.codePointAt(position);
        return c == '\uFFFD'
                ? new Violation(name, Rule.INVALID_ENCODING,
                        "contains bytes that are not valid in the input character set (U+FFFD at position " + position + ")")
                : new Violation(name, Rule.CONTROL_CHARACTER,
                        "contains control character U+" + String.format("%04X", c) + " at position " + position);
    }

    /**
     * Blank: nothing but white space, space separators (such as the no-break space) and format characters (zero-width
     * space, word joiner, byte order mark), none of which a person can see.
     */
    public static boolean isBlank(final String value) {
        for (int i = 0; i < value.length(); ) {
            final int c = value.codePointAt(i);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c) && Character.getType(c) != Character.FORMAT) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }

    /** Position of the first control character or U+FFFD (what a reader puts for undecodable bytes), or -1. */
    static int firstNonPlainCharacter(final String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '\uFFFD' || Character.isISOControl(c)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return name + " " + type;
    }
}

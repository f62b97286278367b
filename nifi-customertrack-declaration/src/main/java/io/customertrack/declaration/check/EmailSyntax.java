package io.customertrack.declaration.check;

/** The e-mail address syntax CustomerTrack accepts, written as a linear scan. */
final class EmailSyntax {

    private EmailSyntax() {
    }

    /**
     * Practical address syntax: an RFC 5322 dot-atom local part of at most 64 characters, '@', then at least two
     * LDH labels (1-63 characters, no leading or trailing hyphen) ending in an alphabetic top-level domain. A linear
     * scan rather than a regular expression: it must stay linear on hostile input.
     */
    static boolean isEmailAddress(final String value) {
        final int at = value.indexOf('@');
        if (at < 1 || at > 64) {
            return false;
        }
        char previous = '.';
        for (int i = 0; i < at; i++) {
            final char c = value.charAt(i);
            if (c == '.' ? previous == '.' : !isAsciiAlphanumeric(c) && "!#$%&'*+/=?^_`{|}~-".indexOf(c) < 0) {
                return false; // a leading dot, two dots in a row, or a character outside the dot-atom
            }
            previous = c;
        }
        if (previous == '.') {
            return false;
        }
        // The domain: labels separated by dots, read up to one past the end (where a label ends as at a dot).
        int labels = 0;
        int labelStart = at + 1;
        boolean alphabetic = true;
        for (int i = at + 1; i <= value.length(); i++) {
            final char c = i == value.length() ? '.' : value.charAt(i);
            if (c == '.') {
                final int labelLength = i - labelStart;
                if (labelLength < 1 || labelLength > 63 || value.charAt(labelStart) == '-' || value.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                if (i == value.length()) {
                    return labels >= 2 && labelLength >= 2 && alphabetic; // an alphabetic top-level domain
                }
                labelStart = i + 1;
                alphabetic = true;
            } else if (!isAsciiAlphanumeric(c) && c != '-') {
                return false;
            } else {
                alphabetic &= (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            }
        }
        return false; // not reached: the loop returns at the end of the value
    }

    private static boolean isAsciiAlphanumeric(final char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }
}

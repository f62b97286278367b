package io.customertrack.declaration.check;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The e-mail address syntax. */
class EmailSyntaxTest {

    @ParameterizedTest
    @ValueSource(strings = {"a@b.io", "ada.lovelace+crm@example.co.uk", "o'brien@x-y.example.org", "A1!#$%&'*+/=?^_`{|}~-@d.com"})
    void acceptsPracticalAddresses(final String email) {
        assertTrue(EmailSyntax.isEmailAddress(email), email);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "@b.io", "a@", "a@b", "a@@b.io", "a@b@c.io", ".a@b.io", "a.@b.io", "a..b@c.io", "a@-b.io",
            "a@b-.io", "a@b..io", "a@b.i", "a@b.i0", "a b@c.io", "a@b c.io", "a@b.io.", "ä@b.io",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.io"})
    void rejectsMalformedAddresses(final String email) {
        assertFalse(EmailSyntax.isEmailAddress(email), email);
    }

    /** The scan against the address rule written as a regular expression (the specification), on random near-addresses. */
    @Test
    void emailScanFollowsTheAddressRule() {
        final String atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
        final String label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
        final Pattern rule = Pattern.compile("(?=.{1,64}@)" + atom + "(?:\\." + atom + ")*@(?:" + label + "\\.)+[A-Za-z]{2,63}");
        final String alphabet = "aZ09.@-+_'ä ";
        final Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            final StringBuilder candidate = new StringBuilder();
            final int length = random.nextInt(14);
            for (int j = 0; j < length; j++) {
                candidate.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            final String text = candidate.toString();
            assertEquals(rule.matcher(text).matches(), EmailSyntax.isEmailAddress(text), text);
        }
    }
}

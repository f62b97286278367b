package io.customertrack.nifi.customer;

import io.customertrack.declaration.check.AttributeCheck;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.SplittableRandom;

/**
 * Where the generator takes one attribute's values from, prepared once per configuration: a pool of accepted values
 * in canonical text, or an e-mail address made of other attributes' values. {@link #profile} is a pure function of a
 * hash (a customer's base value); {@link #fresh} draws a new value for an UPDATE.
 */
sealed interface ValueSupply {

    /** The value a customer's profile hash picks; {@code event} holds the values of the attributes already filled. */
    String profile(long hash, String[] event);

    /** A newly drawn value; {@code event} holds the values of the attributes already filled. */
    String fresh(SplittableRandom random, String[] event);

    /** Whether its values are made of other attributes' values, so it is filled after them. */
    default boolean derived() {
        return false;
    }

    /** An index below {@code length} from the hash's top 32 bits, by multiplication: no division for every value. */
    static int index(final long hash, final int length) {
        return (int) (((hash >>> 32) * length) >>> 32);
    }

    /** Values picked uniformly from a pool; empty in {@code emptyPercent} percent of events. */
    record Pool(String[] values, int emptyPercent) implements ValueSupply {
        @Override
        public String profile(final long hash, final String[] event) {
            // The low bits decide emptiness, the high bits the value: the two independent.
            if (emptyPercent > 0 && (hash & 0xFFFF_FFFFL) % 100 < emptyPercent) {
                return null;
            }
            return values[index(hash, values.length)];
        }

        @Override
        public String fresh(final SplittableRandom random, final String[] event) {
            if (emptyPercent > 0 && random.nextInt(100) < emptyPercent) {
                return null;
            }
            return values[random.nextInt(values.length)];
        }
    }

    /**
     * An address made of other attributes' values, ASCII-folded and joined by dots, then a number and '@' a domain
     * from a pool: {@code ada.lovelace123@example.com}. One the attribute's checks refuse (too long for its VARCHAR or
     * maxLength, a local part over 64 characters, a pattern it misses) is replaced by {@link #fallback}, which every
     * domain of the pool was checked with.
     */
    record EmailFrom(int[] sources, String[] domains, AttributeCheck check) implements ValueSupply {

        /** The number every domain of the pool was checked with, in the longest fallback address. */
        static final int CHECKED_NUMBER = 9_999;

        /** customer, the number, '@', the domain. */
        static String fallback(final int number, final String domain) {
            return "customer" + number + '@' + domain;
        }

        @Override
        public String profile(final long hash, final String[] event) {
            return address(event, (int) ((hash >>> 20) & 0x3FF), domains[index(hash << 20, domains.length)]);
        }

        @Override
        public String fresh(final SplittableRandom random, final String[] event) {
            return address(event, random.nextInt(10_000), domains[random.nextInt(domains.length)]);
        }

        @Override
        public boolean derived() {
            return true;
        }

        private String address(final String[] event, final int number, final String domain) {
            final StringBuilder address = new StringBuilder(48);
            for (final int source : sources) {
                if (!address.isEmpty()) {
                    address.append('.');
                }
                asciiLocalPart(event[source], address);
            }
            final String built = address.append(number).append('@').append(domain).toString();
            if (check.check(built, false, false, new ArrayList<>(1)) != null) {
                return built;
            }
            // A pattern may refuse some numbers: customer9999 is the form every domain of the pool was checked with.
            final String fallback = fallback(number, domain);
            return check.check(fallback, false, false, new ArrayList<>(1)) != null ? fallback : fallback(CHECKED_NUMBER, domain);
        }

        /** Names in many locales carry accents or spaces; e-mail local parts here are plain lower-case ASCII. */
        private static void asciiLocalPart(final String name, final StringBuilder address) {
            final int start = address.length();
            if (name != null) {
                final String decomposed = Normalizer.normalize(name, Normalizer.Form.NFD);
                for (int i = 0; i < decomposed.length(); i++) {
                    final char c = Character.toLowerCase(decomposed.charAt(i));
                    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                        address.append(c);
                    }
                }
            }
            if (address.length() == start) {
                address.append("customer");
            }
        }
    }
}

package io.customertrack.nifi.merge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** One customer change event as it sits in customer_raw. {@code attributes} are first_name .. country (7 values, nullable). */
public record CustomerEvent(long customerId, List<String> attributes, String op, LocalDateTime updatedAt) {

    public CustomerEvent {
        if (attributes.size() != 7) {
            throw new IllegalArgumentException("7 attributes expected: " + attributes);
        }
    }

    public static CustomerEvent upsert(final long id, final String op, final LocalDateTime at, final String... attributes) {
        return new CustomerEvent(id, Arrays.asList(attributes), op, at);
    }

    public static CustomerEvent delete(final long id, final LocalDateTime at) {
        return new CustomerEvent(id, Arrays.asList(new String[7]), "DELETE", at);
    }

    public boolean isDelete() {
        return "DELETE".equals(op);
    }

    /**
     * The row hash the merge computes: MD5 over length-prefixed attributes ('~' for NULL). Written out here
     * independently of the SQL, so tests notice if either changes.
     */
    public String rowHash() {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < attributes.size(); i++) {
            if (i > 0) {
                text.append(',');
            }
            final String value = attributes.get(i);
            text.append(value == null ? "~" : value.codePointCount(0, value.length()) + ":" + value); // characters, as SQL LENGTH counts
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.customertrack.declaration;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a declared attribute's values must satisfy beyond their type, from a small vocabulary. Absent rules are null
 * (or false); several may be combined where they fit the type.
 *
 * @param maxLength            at most this many characters (VARCHAR; below the type's length)
 * @param email                a practical e-mail address syntax (VARCHAR); lower-cased when values are normalised
 * @param pattern              a Java regular expression the whole value must match (VARCHAR)
 * @param oneOf                one of these values exactly (VARCHAR, NUMBER)
 * @param min                  at least this (NUMBER)
 * @param max                  at most this (NUMBER)
 * @param noControlCharacters  no control character and no U+FFFD, which stands for undecodable bytes (VARCHAR)
 */
public record Rules(Integer maxLength, boolean email, String pattern, List<String> oneOf, BigDecimal min, BigDecimal max,
                    boolean noControlCharacters) {

    public static final Rules NONE = new Rules(null, false, null, null, null, null, false);

    public Rules {
        oneOf = oneOf == null ? null : List.copyOf(oneOf);
    }
}

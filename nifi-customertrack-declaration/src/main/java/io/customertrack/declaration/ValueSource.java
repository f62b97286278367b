package io.customertrack.declaration;

import java.util.List;

/**
 * Where GenerateFakeCustomer takes an attribute's values from: exactly one of {@code faker}, {@code values},
 * {@code between}, {@code emailFrom} and {@code localeCountry}.
 *
 * @param faker         a datafaker provider method, e.g. {@code Name.firstName}, or a whole datafaker expression,
 *                      evaluated into a pool of values once
 * @param values        a list of values, picked uniformly
 * @param between       two bounds, a uniform value between them (NUMBER, DATE, TIMESTAMP_NTZ)
 * @param emailFrom     an address made of these attributes' values (ASCII-folded) and a number, at a generated domain
 * @param localeCountry the generator locale's country in English, or a generated country when the locale has none
 * @param changesWith   the group of attributes an UPDATE regenerates together (each UPDATE regenerates a random
 *                      non-empty set of the declaration's groups); attributes without a group keep their value
 * @param emptyPercent  share of events, in percent, that leave an optional attribute empty
 */
public record ValueSource(String faker, List<String> values, List<String> between, List<String> emailFrom,
                          boolean localeCountry, String changesWith, int emptyPercent) {

    public ValueSource {
        values = values == null ? null : List.copyOf(values);
        between = between == null ? null : List.copyOf(between);
        emailFrom = emailFrom == null ? null : List.copyOf(emailFrom);
    }
}

package io.customertrack.declaration;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.customertrack.declaration.check.AttributeCheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The customer's attributes, declared once: a small JSON document that every part of CustomerTrack reads (the
 * validator, the generator, the merge, the rendered Snowflake SQL). Fixed for every declaration, and never declared:
 * {@code customer_id} first, then the attributes in declared order, then {@code op} and {@code updated_at}; the tables'
 * bookkeeping columns. A declaration is checked whole when it is read; the first problem is reported with the attribute
 * it concerns.
 * <p>
 * A declaration has a version (1 unless stated). An attribute added to a running pipeline carries the version that
 * added it ({@code since}), is declared after every older one, and goes into files after {@code updated_at}, so that
 * files of the previous shape still load (their missing last columns read as NULL). During a migration window
 * ({@code previousShapeAcceptedUntil}) the validator also accepts records without the newest version's attributes.
 *
 * @param version                    the declaration's version: the largest {@code since} it may name
 * @param attributes                 in declared order
 * @param previousShapeAcceptedUntil until when records of the previous version's shape are still valid, or null
 * @param partialUpdates             whether an empty attribute of an UPDATE means "unchanged" rather than "no value"
 */
public record Declaration(int version, List<Attribute> attributes, Instant previousShapeAcceptedUntil, boolean partialUpdates) {

    /** The declaration CustomerTrack ships: the customer of the tutorial it grew from. */
    public static final String DEFAULT_RESOURCE = "/io/customertrack/declaration/customer.json";

    /** Columns every declaration has, in the files (customer_id, op, updated_at) or in the tables. */
    public static final Set<String> FIXED_COLUMNS = Set.of("customer_id", "op", "updated_at");

    /**
     * Names an attribute cannot take: the fixed columns, the tables' bookkeeping columns, the names the merge's queries
     * give their own columns, the validator's reasons field, Snowflake's reserved keywords (docs.snowflake.com,
     * sql-reference/reserved-keywords), which the rendered SQL would have to quote, and DuckDB's, whose SQL the local
     * warehouse and the tests run.
     */
    public static final Set<String> RESERVED_NAMES = Set.of(
            "customer_id", "op", "updated_at", "source_file", "source_row_number", "loaded_at", "row_hash", "valid_from",
            "valid_to", "is_current", "is_deleted", "deleted_at", "validation_errors", "change_kind", "previous_valid_to",
            "content_changed", "is_new", "previous_op", "previous_hash", "is_effective", "closed_by_file", "closed_by_new",
            "opened_by_file", "opened_by_new", "first_new_at", "first_new_file", "reads_raw", "anchor_at", "anchor_hash",
            "anchor_closed_at", "requested_at", "merged_at", "row_count", "last_event_at", "tracked_hash",
            "previous_tracked_hash", "anchor_tracked_hash", "is_version", "is_seed", "values_group", "version_number",
            "account", "all", "alter", "and", "any", "as", "between", "by", "case", "cast", "check", "column", "connect",
            "connection", "constraint", "create", "cross", "current", "current_date", "current_time", "current_timestamp",
            "current_user", "database", "delete", "distinct", "drop", "else", "exists", "false", "following", "for", "from",
            "full", "grant", "group", "gscluster", "having", "ilike", "in", "increment", "inner", "insert", "intersect",
            "into", "is", "issue", "join", "lateral", "left", "like", "localtime", "localtimestamp", "minus", "natural",
            "not", "null", "of", "on", "or", "order", "organization", "qualify", "regexp", "revoke", "right", "rlike", "row",
            "rows", "sample", "schema", "select", "set", "some", "start", "table", "tablesample", "then", "to", "trigger",
            "true", "try_cast", "union", "unique", "update", "using", "values", "view", "when", "whenever", "where",
            "window", "with",
            // DuckDB's reserved keywords (duckdb_keywords()), for the local warehouse and the tests, and the column
            // DuckDB's read_csv adds for the file name.
            "analyse", "analyze", "array", "asc", "asymmetric", "both", "collate", "default", "deferrable", "desc",
            "describe", "do", "end", "except", "fetch", "foreign", "initially", "lambda", "leading", "limit",
            "offset", "only", "pivot", "pivot_longer", "pivot_wider", "placing", "primary", "references",
            "returning", "show", "summarize", "symmetric", "trailing", "unpivot", "variadic", "filename");

    /** Lower snake case, starting with a letter: a Snowflake identifier that needs no quotes and reads the same in CSV. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,127}");

    /** Numbers exactly as written: a bound of 20 digits read as a double would silently move. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    public Declaration {
        attributes = List.copyOf(attributes);
    }

    /** A first version: every attribute since 1, no migration window, full updates. */
    public Declaration(final List<Attribute> attributes) {
        this(1, attributes, null, false);
    }

    /** The attributes whose changes open a new version, in declared order. */
    public List<Attribute> trackedAttributes() {
        return attributes.stream().filter(Attribute::trackHistory).toList();
    }

    /** The attributes updated in place in the version their change falls into, in declared order. */
    public List<Attribute> untrackedAttributes() {
        return attributes.stream().filter(attribute -> !attribute.trackHistory()).toList();
    }

    /**
     * Whether a version's values can come from other events than the one that opened it: from its latest event (an
     * untracked attribute) or from earlier ones (partial updates). Then the customer's current values must be known to
     * merge or make an event; otherwise an event alone says what its version holds.
     */
    public boolean valuesSpanEvents() {
        return partialUpdates || attributes.stream().anyMatch(attribute -> !attribute.trackHistory());
    }

    /** The attribute named {@code name}, or null. */
    public Attribute attribute(final String name) {
        for (final Attribute attribute : attributes) {
            if (attribute.name().equals(name)) {
                return attribute;
            }
        }
        return null;
    }

    /** The attributes' names, in declared order. */
    public List<String> names() {
        return attributes.stream().map(Attribute::name).toList();
    }

    /**
     * The columns of every CustomerTrack file and of CUSTOMER_RAW's loaded part, in order: customer_id, the first
     * version's attributes, op, updated_at, then the attributes appended since. Loads take columns by position, so an
     * attribute can only be appended, and a file of an older shape lacks only last columns.
     */
    public List<String> fileColumns() {
        final List<String> columns = new ArrayList<>(attributes.size() + 3);
        columns.add("customer_id");
        firstAttributes().forEach(attribute -> columns.add(attribute.name()));
        columns.add("op");
        columns.add("updated_at");
        appendedAttributes().forEach(attribute -> columns.add(attribute.name()));
        return columns;
    }

    /** The first version's attributes, in declared order: files carry them before op. */
    public List<Attribute> firstAttributes() {
        return attributes.stream().filter(attribute -> !attribute.appended()).toList();
    }

    /** The attributes appended by later versions, in declared order: files carry them after updated_at. */
    public List<Attribute> appendedAttributes() {
        return attributes.stream().filter(Attribute::appended).toList();
    }

    /** The attributes this version added (none for a first version). */
    public List<Attribute> newestAttributes() {
        return version == 1 ? List.of() : attributes.stream().filter(attribute -> attribute.since() == version).toList();
    }

    /** The declaration CustomerTrack ships (today's customer: names, e-mail and postal address). */
    public static Declaration defaultDeclaration() {
        return Holder.DEFAULT;
    }

    /**
     * A declaration shipped as an example, by name: {@code wide} has eighteen attributes of every supported type, some
     * optional, some not personal (the tests run the whole pipeline with it).
     */
    public static Declaration example(final String name) {
        return load("/io/customertrack/declaration/examples/" + name + ".json");
    }

    /** Reads and checks a declaration file. */
    public static Declaration read(final Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new DeclarationException("Cannot read the declaration " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses and checks a declaration's JSON text: its structure, then every attribute's value checks compiled as the
     * processors compile them ({@link AttributeCheck#compile}), which refuse a rule value no value could pass.
     *
     * @throws DeclarationException with the first problem, naming the attribute it concerns
     */
    public static Declaration parse(final String json) {
        final JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (final JsonProcessingException e) {
            throw new DeclarationException("The declaration is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
        }
        if (root == null || !root.isObject()) {
            throw new DeclarationException("The declaration must be a JSON object with an \"attributes\" array");
        }
        onlyKeys(root, "the declaration", Set.of("version", "attributes", "previousShapeAcceptedUntil", "partialUpdates"));
        final int version = root.has("version") ? integer(root.get("version"), "the declaration's \"version\"") : 1;
        if (version < 1) {
            throw new DeclarationException("the declaration's \"version\" must be 1 or more, not " + version);
        }
        final JsonNode list = root.get("attributes");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new DeclarationException("The declaration needs a non-empty \"attributes\" array");
        }
        final List<Attribute> attributes = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final JsonNode node : list) {
            final Attribute attribute = attribute(node, attributes.size() + 1, version);
            if (!names.add(attribute.name())) {
                throw new DeclarationException("attribute '" + attribute.name() + "': declared twice");
            }
            if (!attributes.isEmpty() && attribute.since() < attributes.getLast().since()) {
                throw new DeclarationException("attribute '" + attribute.name() + "': since " + attribute.since()
                        + " is declared after '" + attributes.getLast().name() + "' (since " + attributes.getLast().since()
                        + "): an attribute is declared after every older one, as files carry it");
            }
            attributes.add(attribute);
        }
        if (attributes.getFirst().appended()) {
            throw new DeclarationException("attribute '" + attributes.getFirst().name()
                    + "': the first attribute belongs to version 1 (since 1), files carry it before op");
        }
        final Instant acceptedUntil = previousShapeAcceptedUntil(root, version, attributes);
        final boolean partialUpdates = root.has("partialUpdates") && bool(root.get("partialUpdates"), "the declaration's \"partialUpdates\"");
        final Declaration declaration = new Declaration(version, attributes, acceptedUntil, partialUpdates);
        for (final Attribute attribute : attributes) {
            checkGenerator(declaration, attribute);
        }
        // The checks the processors judge values with: refused here too when a rule's value could never be kept.
        for (final Attribute attribute : attributes) {
            AttributeCheck.compile(attribute);
        }
        return declaration;
    }

    private static Instant previousShapeAcceptedUntil(final JsonNode root, final int version, final List<Attribute> attributes) {
        final JsonNode node = root.get("previousShapeAcceptedUntil");
        if (node == null) {
            return null;
        }
        final String where = "the declaration's \"previousShapeAcceptedUntil\"";
        if (version == 1 || attributes.stream().noneMatch(attribute -> attribute.since() == version)) {
            throw new DeclarationException(where + ": a migration window needs a version above 1 that adds an attribute (since "
                    + version + ")");
        }
        if (!node.isTextual()) {
            throw new DeclarationException(where + " must be an ISO-8601 UTC time such as \"2026-12-31T00:00:00Z\"");
        }
        try {
            return Instant.parse(node.asText());
        } catch (final DateTimeParseException e) {
            throw new DeclarationException(where + " must be an ISO-8601 UTC time such as \"2026-12-31T00:00:00Z\", not '"
                    + node.asText() + "'", e);
        }
    }

    private static Attribute attribute(final JsonNode node, final int position, final int version) {
        if (!node.isObject()) {
            throw new DeclarationException("attribute " + position + ": must be a JSON object");
        }
        final JsonNode nameNode = node.get("name");
        if (nameNode == null || !nameNode.isTextual()) {
            throw new DeclarationException("attribute " + position + ": \"name\" is missing or not a string");
        }
        final String name = nameNode.asText();
        final String where = "attribute '" + name + "'";
        if (!NAME.matcher(name).matches()) {
            throw new DeclarationException(where + ": the name must be lower snake case starting with a letter"
                    + " (a-z, 0-9, _; at most 128 characters), a Snowflake identifier that needs no quotes");
        }
        if (RESERVED_NAMES.contains(name)) {
            throw new DeclarationException(where + ": the name is reserved ("
                    + (FIXED_COLUMNS.contains(name) ? "a column every declaration has"
                    : "a column or keyword the tables, the merge, Snowflake or DuckDB use") + ")");
        }
        onlyKeys(node, where, Set.of("name", "type", "required", "personal", "rules", "generate", "description", "since",
                "trackHistory"));
        final int since = node.has("since") ? integer(node.get("since"), where + ": \"since\"") : 1;
        if (since < 1 || since > version) {
            throw new DeclarationException(where + ": \"since\" must be 1 to the declaration's version " + version + ", not " + since);
        }
        final AttributeType type;
        try {
            type = AttributeType.parse(text(node, "type", where, true));
        } catch (final IllegalArgumentException e) {
            throw new DeclarationException(where + ": " + e.getMessage(), e);
        }
        final boolean required = flag(node, "required", where, "true: INSERT and UPDATE events must carry it");
        final boolean personal = flag(node, "personal", where, "true: an ERASE request clears it");
        final Rules rules = rules(node.get("rules"), type, where);
        final ValueSource generate = valueSource(node.get("generate"), type, required, where);
        final boolean trackHistory = !node.has("trackHistory") || bool(node.get("trackHistory"), where + ": \"trackHistory\"");
        return new Attribute(name, type, required, personal, rules, generate, since, trackHistory);
    }

    private static Rules rules(final JsonNode node, final AttributeType type, final String where) {
        if (node == null) {
            return Rules.NONE;
        }
        if (!node.isObject()) {
            throw new DeclarationException(where + ": \"rules\" must be a JSON object");
        }
        onlyKeys(node, where + " rules", Set.of("maxLength", "email", "pattern", "oneOf", "min", "max", "noControlCharacters"));
        final boolean text = type instanceof AttributeType.Varchar;
        final Integer maxLength = node.has("maxLength") ? integer(node.get("maxLength"), where + ": rule maxLength") : null;
        if (maxLength != null) {
            fits(text, "maxLength", type, where);
            final int length = ((AttributeType.Varchar) type).length();
            if (maxLength < 1 || maxLength > length) {
                throw new DeclarationException(where + ": rule maxLength must be 1 to the type's length " + length + ", not " + maxLength);
            }
        }
        final boolean email = node.has("email") && bool(node.get("email"), where + ": rule email");
        if (email) {
            fits(text, "email", type, where);
        }
        final String pattern = node.has("pattern") ? text(node, "pattern", where + " rules", true) : null;
        if (pattern != null) {
            fits(text, "pattern", type, where);
            try {
                Pattern.compile(pattern);
            } catch (final PatternSyntaxException e) {
                throw new DeclarationException(where + ": rule pattern does not compile: " + e.getDescription()
                        + " near index " + e.getIndex(), e);
            }
        }
        final boolean noControlCharacters = node.has("noControlCharacters") && bool(node.get("noControlCharacters"),
                where + ": rule noControlCharacters");
        if (noControlCharacters) {
            fits(text, "noControlCharacters", type, where);
        }
        final List<String> oneOf = node.has("oneOf") ? strings(node.get("oneOf"), where + ": rule oneOf") : null;
        if (oneOf != null) {
            fits(text || type instanceof AttributeType.Number, "oneOf", type, where);
            if (oneOf.isEmpty() || new HashSet<>(oneOf).size() != oneOf.size()) {
                throw new DeclarationException(where + ": rule oneOf needs at least one value and no value twice");
            }
        }
        final BigDecimal min = node.has("min") ? decimal(node.get("min"), where + ": rule min") : null;
        final BigDecimal max = node.has("max") ? decimal(node.get("max"), where + ": rule max") : null;
        if (min != null || max != null) {
            fits(type instanceof AttributeType.Number, min != null ? "min" : "max", type, where);
            if (min != null && max != null && min.compareTo(max) > 0) {
                throw new DeclarationException(where + ": rule min " + min.toPlainString() + " is larger than max " + max.toPlainString());
            }
        }
        return new Rules(maxLength, email, pattern, oneOf, min, max, noControlCharacters);
    }

    private static ValueSource valueSource(final JsonNode node, final AttributeType type, final boolean required, final String where) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw new DeclarationException(where + ": \"generate\" must be a JSON object");
        }
        final String what = where + " generate";
        onlyKeys(node, what, Set.of("faker", "values", "between", "emailFrom", "localeCountry", "changesWith", "emptyPercent"));
        final String faker = node.has("faker") ? text(node, "faker", what, true) : null;
        final List<String> values = node.has("values") ? strings(node.get("values"), what + ": values") : null;
        final List<String> between = node.has("between") ? strings(node.get("between"), what + ": between") : null;
        final List<String> emailFrom = node.has("emailFrom") ? strings(node.get("emailFrom"), what + ": emailFrom") : null;
        final boolean localeCountry = node.has("localeCountry") && bool(node.get("localeCountry"), what + ": localeCountry");
        final int sources = (faker != null ? 1 : 0) + (values != null ? 1 : 0) + (between != null ? 1 : 0)
                + (emailFrom != null ? 1 : 0) + (localeCountry ? 1 : 0);
        if (sources != 1) {
            throw new DeclarationException(what + ": needs exactly one of faker, values, between, emailFrom, localeCountry");
        }
        if (values != null && values.isEmpty()) {
            throw new DeclarationException(what + ": values needs at least one value");
        }
        if (between != null && (between.size() != 2 || type instanceof AttributeType.Varchar || type instanceof AttributeType.Boolean)) {
            throw new DeclarationException(what + ": between takes two bounds, for a NUMBER, DATE or TIMESTAMP_NTZ attribute");
        }
        if ((emailFrom != null || localeCountry || faker != null) && !(type instanceof AttributeType.Varchar)) {
            throw new DeclarationException(what + ": " + (faker != null ? "faker" : emailFrom != null ? "emailFrom" : "localeCountry")
                    + " makes text, for a VARCHAR attribute (use values or between for " + type.sql() + ")");
        }
        final String changesWith = node.has("changesWith") ? text(node, "changesWith", what, true) : null;
        final int emptyPercent = node.has("emptyPercent") ? integer(node.get("emptyPercent"), what + ": emptyPercent") : 0;
        if (emptyPercent < 0 || emptyPercent > 100 || (emptyPercent > 0 && required)) {
            throw new DeclarationException(what + ": emptyPercent must be 0 to 100, and 0 for a required attribute");
        }
        return new ValueSource(faker, values, between, emailFrom, localeCountry, changesWith, emptyPercent);
    }

    private static void checkGenerator(final Declaration declaration, final Attribute attribute) {
        final ValueSource generate = attribute.generate();
        if (generate == null || generate.emailFrom() == null) {
            return;
        }
        for (final String source : generate.emailFrom()) {
            final Attribute from = declaration.attribute(source);
            if (from == null || from == attribute || !(from.type() instanceof AttributeType.Varchar)) {
                throw new DeclarationException("attribute '" + attribute.name() + "' generate: emailFrom names '" + source
                        + "', which is not another VARCHAR attribute of this declaration");
            }
        }
    }

    private static void fits(final boolean fits, final String rule, final AttributeType type, final String where) {
        if (!fits) {
            throw new DeclarationException(where + ": rule " + rule + " does not fit the type " + type.sql());
        }
    }

    private static void onlyKeys(final JsonNode node, final String where, final Set<String> allowed) {
        for (final Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            final String key = keys.next();
            if (!allowed.contains(key)) {
                throw new DeclarationException(where + ": unknown key \"" + key + "\" (known: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String text(final JsonNode node, final String key, final String where, final boolean needed) {
        final JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (needed) {
                throw new DeclarationException(where + ": \"" + key + "\" is missing");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new DeclarationException(where + ": \"" + key + "\" must be a non-empty string");
        }
        return value.asText();
    }

    private static boolean flag(final JsonNode node, final String key, final String where, final String meaning) {
        final JsonNode value = node.get(key);
        if (value == null) {
            throw new DeclarationException(where + ": \"" + key + "\" is missing (" + meaning + ")");
        }
        return bool(value, where + ": \"" + key + "\"");
    }

    private static boolean bool(final JsonNode value, final String what) {
        if (!value.isBoolean()) {
            throw new DeclarationException(what + " must be true or false");
        }
        return value.asBoolean();
    }

    private static int integer(final JsonNode value, final String what) {
        if (!value.isInt()) {
            throw new DeclarationException(what + " must be a whole number");
        }
        return value.asInt();
    }

    private static BigDecimal decimal(final JsonNode value, final String what) {
        if (!value.isNumber() && !value.isTextual()) {
            throw new DeclarationException(what + " must be a number");
        }
        if (value.isNumber()) {
            return value.decimalValue();
        }
        try {
            return new BigDecimal(value.asText());
        } catch (final NumberFormatException e) {
            throw new DeclarationException(what + " must be a number, not '" + value.asText() + "'", e);
        }
    }

    private static List<String> strings(final JsonNode value, final String what) {
        if (!value.isArray()) {
            throw new DeclarationException(what + " must be an array of strings");
        }
        final List<String> strings = new ArrayList<>();
        for (final JsonNode item : value) {
            if (!item.isTextual() && !item.isNumber() && !item.isBoolean()) {
                throw new DeclarationException(what + " must be an array of strings");
            }
            strings.add(item.isNumber() ? item.decimalValue().toPlainString() : item.asText());
        }
        return strings;
    }

    private static Declaration load(final String resource) {
        try (InputStream in = Declaration.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("No declaration " + resource + " on the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the shipped declaration once. */
    private static final class Holder {
        static final Declaration DEFAULT = load(DEFAULT_RESOURCE);
    }
}

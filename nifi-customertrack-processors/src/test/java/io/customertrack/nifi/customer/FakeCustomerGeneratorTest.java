package io.customertrack.nifi.customer;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.nifi.customer.CustomerEvent.Operation;
import org.apache.nifi.serialization.record.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator of a declaration: what it makes passes the validator of the same declaration, what it breaks fails as intended. */
class FakeCustomerGeneratorTest {

    private static final long START_MICROS = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2025-01-01T00:00:00Z"));
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final FakeCustomerGenerator.Mix EVERY_VALID_KIND = new FakeCustomerGenerator.Mix(30, 5, 0, 5, Duration.ofMinutes(10), 5, 5);
    private static final FakeCustomerGenerator.Mix ONLY_INVALID = new FakeCustomerGenerator.Mix(0, 0, 100, 0, Duration.ofMinutes(10), 0, 0);

    private static List<Record> generate(final CompiledDeclaration declaration, final long seed, final FakeCustomerGenerator.Mix mix,
                                         final int count) throws Exception {
        final FakeCustomerGenerator generator = new FakeCustomerGenerator(declaration, Locale.US, seed);
        final List<Record> records = new ArrayList<>();
        generator.generate(count, mix, CustomerIdSpace.fromState(Map.of(), 1, 1000), new SplittableRandom(seed), START_MICROS,
                declaration.schema().recordSchema(), records::add);
        return records;
    }

    private static List<CompiledDeclaration> declarations() {
        return List.of(CompiledDeclaration.defaultDeclaration(), CompiledDeclaration.compile(Declaration.example("wide")), SHORT_EMAIL,
                CompiledDeclaration.compile(Declaration.example("customer-with-phone")));
    }

    /** Addresses built from names would often not fit this column or its pattern: they fall back to a short one. */
    private static final CompiledDeclaration SHORT_EMAIL = CompiledDeclaration.compile(Declaration.parse("""
            {"attributes": [
              {"name": "full_name", "type": "VARCHAR(100)", "required": true, "personal": true, "generate": {"faker": "Name.fullName"}},
              {"name": "email", "type": "VARCHAR(40)", "required": true, "personal": true,
               "rules": {"email": true, "pattern": "[a-z0-9.]{1,20}@.*"},
               "generate": {"emailFrom": ["full_name"], "changesWith": "contact"}}]}"""));

    @Test
    void everyEventGeneratedValidatesUnderItsDeclaration() throws Exception {
        for (final CompiledDeclaration declaration : declarations()) {
            final CustomerRecordValidator validator = new CustomerRecordValidator(declaration, Duration.ofMinutes(5), false, NOW);
            final Map<String, Integer> ops = new TreeMap<>();
            for (final Record record : generate(declaration, 42, EVERY_VALID_KIND, 20_000)) {
                final CustomerRecordValidator.Result result = validator.validate(record);
                assertTrue(result.isValid() && !result.isCorrectedErasure(), () -> record.toMap() + ": " + result.describeViolations());
                ops.merge(result.event().op().name(), 1, Integer::sum);
            }
            assertEquals(Set.of("INSERT", "UPDATE", "DELETE", "ERASE"), ops.keySet(), ops::toString);
        }
    }

    @Test
    void everyOptionalAttributeOfTheWideDeclarationIsSometimesEmptyAndEveryAttributeSometimesSet() throws Exception {
        final CompiledDeclaration wide = CompiledDeclaration.compile(Declaration.example("wide"));
        final Set<String> empty = new TreeSet<>();
        final Set<String> set = new TreeSet<>();
        for (final Record record : generate(wide, 7, new FakeCustomerGenerator.Mix(30, 0, 0, 0, Duration.ofMinutes(10), 0, 0), 5_000)) {
            for (final String name : wide.declaration().names()) {
                (record.getValue(name) == null ? empty : set).add(name);
            }
        }
        assertEquals(new TreeSet<>(wide.declaration().names()), set);
        assertEquals(new TreeSet<>(List.of("consent_changed_at", "credit_score", "customer_note", "date_of_birth", "lifetime_value",
                "phone", "preferred_language")), empty, "optional attributes with an emptyPercent");
    }

    @Test
    void invalidKindsAreRejectedForTheReasonIntended() throws Exception {
        final Map<CompiledDeclaration, Set<String>> expected = Map.of(
                CompiledDeclaration.defaultDeclaration(), Set.of("email.invalid_syntax", "first_name.required", "op.unknown",
                        "updated_at.unparseable", "updated_at.in_future", "customer_id.not_positive_integer", "first_name.too_long",
                        "first_name.control_character"),
                CompiledDeclaration.compile(Declaration.example("wide")), Set.of("email.invalid_syntax", "first_name.required", "op.unknown",
                        "updated_at.unparseable", "updated_at.in_future", "customer_id.not_positive_integer", "first_name.too_long",
                        "first_name.control_character", "phone.pattern_mismatch", "loyalty_tier.not_one_of", "loyalty_points.out_of_range"));
        for (final Map.Entry<CompiledDeclaration, Set<String>> declaration : expected.entrySet()) {
            final CustomerRecordValidator validator = new CustomerRecordValidator(declaration.getKey(), Duration.ofMinutes(5), false, NOW);
            final Set<String> seen = new TreeSet<>();
            for (final Record record : generate(declaration.getKey(), 3, ONLY_INVALID, 2_000)) {
                final CustomerRecordValidator.Result result = validator.validate(record);
                assertFalse(result.isValid(), () -> record.toMap().toString());
                assertEquals(1, result.violations().size(), result::describeViolations);
                seen.add(result.violations().getFirst().summaryKey());
            }
            assertEquals(new TreeSet<>(declaration.getValue()), seen);
        }
    }

    @Test
    void aKindTheDeclarationCannotExpressIsNeverDrawn() {
        final CompiledDeclaration plain = CompiledDeclaration.compile(Declaration.parse(
                "{\"attributes\": [{\"name\": \"score\", \"type\": \"NUMBER(3,0)\", \"required\": false, \"personal\": false}]}"));
        assertEquals(List.of("UNKNOWN_OP", "UNPARSEABLE_TIME", "FUTURE_TIME", "NEGATIVE_ID"),
                new FakeCustomerGenerator(plain, Locale.US, 1).breakages().stream().map(breakage -> breakage.kind().name()).toList());
    }

    /** For the default declaration's two groups: a new address, a new e-mail address, or both, equally often. */
    @Test
    void anUpdateRedrawsAUniformlyRandomNonEmptySetOfGroups() throws Exception {
        final CompiledDeclaration declaration = CompiledDeclaration.defaultDeclaration();
        final FakeCustomerGenerator generator = new FakeCustomerGenerator(declaration, Locale.US, 5);
        final List<Record> records = new ArrayList<>();
        generator.generate(9_000, new FakeCustomerGenerator.Mix(90, 0, 0, 0, Duration.ofMinutes(10), 0, 0),
                CustomerIdSpace.fromState(Map.of(), 1, 100), new SplittableRandom(5), START_MICROS, declaration.schema().recordSchema(), records::add);
        final Map<String, Integer> changes = new TreeMap<>();
        for (final Record record : records) {
            if (!"UPDATE".equals(record.getValue("op"))) {
                continue;
            }
            final CustomerEvent profile = generator.profile((Long) record.getValue("customer_id"), Operation.UPDATE, NOW);
            // A group changed when any of its values did (a redrawn state may be the same state).
            final Set<String> changed = new TreeSet<>();
            final List<String> names = declaration.declaration().names();
            for (int i = 0; i < names.size(); i++) {
                if (!profile.values().get(i).equals(record.getValue(names.get(i)))) {
                    changed.add(declaration.declaration().attributes().get(i).generate().changesWith());
                }
            }
            changes.merge(String.join(",", changed), 1, Integer::sum);
        }
        assertEquals(Set.of("contact", "address", "address,contact"), changes.keySet(), changes::toString);
        final int updates = changes.values().stream().mapToInt(Integer::intValue).sum();
        changes.values().forEach(count -> assertTrue(Math.abs(count - updates / 3.0) < updates * 0.04, changes::toString));
    }

    @Test
    void theSameSeedGivesTheSameEventsAndProfilesDependOnlyOnSeedAndId() throws Exception {
        final CompiledDeclaration wide = CompiledDeclaration.compile(Declaration.example("wide"));
        assertEquals(generate(wide, 11, EVERY_VALID_KIND, 3_000), generate(wide, 11, EVERY_VALID_KIND, 3_000));
        assertNotEquals(generate(wide, 11, EVERY_VALID_KIND, 300), generate(wide, 12, EVERY_VALID_KIND, 300));
        final FakeCustomerGenerator one = new FakeCustomerGenerator(wide, Locale.US, 11);
        final FakeCustomerGenerator other = new FakeCustomerGenerator(wide, Locale.US, 11);
        assertEquals(one.profile(123, Operation.INSERT, NOW), other.profile(123, Operation.INSERT, NOW));
    }

    @Test
    void aSourceWhoseValuesTheChecksRejectIsDroppedOrRefused() {
        final CompiledDeclaration someFit = CompiledDeclaration.compile(Declaration.parse("{\"attributes\": [{\"name\": \"code\","
                + " \"type\": \"VARCHAR(3)\", \"required\": true, \"personal\": false, \"generate\": {\"values\": [\"ABCD\", \"AB\"]}}]}"));
        final FakeCustomerGenerator generator = new FakeCustomerGenerator(someFit, Locale.US, 1);
        for (long id = 1; id < 50; id++) {
            assertEquals(List.of("AB"), generator.profile(id, Operation.INSERT, NOW).values(), "ABCD is too long: dropped");
        }
        final CompiledDeclaration noneFit = CompiledDeclaration.compile(Declaration.parse("{\"attributes\": [{\"name\": \"code\","
                + " \"type\": \"VARCHAR(3)\", \"required\": true, \"personal\": false, \"rules\": {\"pattern\": \"[0-9]+\"},"
                + " \"generate\": {\"values\": [\"ABC\", \"AB\"]}}]}"));
        final DeclarationException refused = assertThrows(DeclarationException.class, () -> new FakeCustomerGenerator(noneFit, Locale.US, 1));
        assertTrue(refused.getMessage().startsWith("attribute 'code' generate: none of its 2 values"), refused.getMessage());
    }

    /** The wide example as a declaration with {@code untracked} attributes and partial updates as given. */
    private static CompiledDeclaration wide(final Set<String> untracked, final boolean partialUpdates) {
        final Declaration wide = Declaration.example("wide");
        final List<Attribute> attributes = wide.attributes().stream().map(a -> new Attribute(a.name(), a.type(), a.required(), a.personal(),
                a.rules(), a.generate(), a.since(), !untracked.contains(a.name()))).toList();
        return CompiledDeclaration.compile(new Declaration(wide.version(), attributes, wide.previousShapeAcceptedUntil(), partialUpdates));
    }

    /** Untracked: in the loyalty group beside a tracked tier, in the consent group beside a tracked flag, and in no group. */
    private static final Set<String> UNTRACKED = Set.of("loyalty_points", "lifetime_value", "consent_changed_at", "preferred_language",
            "credit_score");

    /**
     * Every attribute tracked and full updates: a seed gives the events it always gave, whatever the shares of untracked-only
     * changes and partial updates (the SHA-256 of the events' file columns: the output of a generator that knows neither).
     */
    @Test
    void withEveryAttributeTrackedAndFullUpdatesTheWideEventsOfASeedAreUnchanged() throws Exception {
        final CompiledDeclaration wide = wide(Set.of(), false);
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        for (final Record record : generate(wide, 42, new FakeCustomerGenerator.Mix(30, 5, 5, 5, Duration.ofMinutes(10), 5, 5, 100, 100), 20_000)) {
            for (final String column : wide.declaration().fileColumns()) {
                digest.update(String.valueOf(record.getValue(column)).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
        }
        assertEquals("85ae6841dcc31c4ad001cf1ea0d57b1a348ef24f62a0d74da85b93a493ed5deb", HexFormat.of().formatHex(digest.digest()));
    }

    /** What a stream of generated UPDATEs did, replayed against each customer's values as the merge resolves them. */
    private record UpdateKinds(int updates, int untrackedOnly, int partial, int noChange) {
    }

    /**
     * Replays the events in the order generated (an exact replay once, a late UPDATE not moving the customer's latest
     * values), checking each against the validator and the customer's values, and counts the kinds of UPDATE.
     */
    private static UpdateKinds replay(final CompiledDeclaration declaration, final List<Record> records) {
        final CustomerRecordValidator validator = new CustomerRecordValidator(declaration, Duration.ofMinutes(5), false, NOW);
        final boolean partialUpdates = declaration.declaration().partialUpdates();
        final List<Attribute> attributes = declaration.declaration().attributes();
        final Map<Long, List<String>> current = new java.util.HashMap<>();
        final Set<Record> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Instant newest = Instant.MIN;
        int updates = 0;
        int untrackedOnly = 0;
        int partial = 0;
        int noChange = 0;
        for (final Record record : records) {
            final CustomerRecordValidator.Result result = validator.validate(record);
            assertTrue(result.isValid(), () -> record.toMap() + ": " + result.describeViolations());
            if (!seen.add(record)) {
                continue;
            }
            final CustomerEvent event = result.event();
            final boolean late = event.updatedAt().isBefore(newest);
            newest = late ? newest : event.updatedAt();
            switch (event.op()) {
                case INSERT -> current.put(event.customerId(), event.values());
                case DELETE, ERASE -> current.remove(event.customerId());
                case UPDATE -> {
                    updates++;
                    final List<String> before = current.get(event.customerId());
                    final List<String> after = new ArrayList<>();
                    boolean sentPartially = false;
                    boolean sentUnchanged = false;
                    boolean trackedChanged = false;
                    boolean untrackedChanged = false;
                    for (int i = 0; i < attributes.size(); i++) {
                        final String sent = event.values().get(i);
                        final String value = partialUpdates && sent == null ? before.get(i) : sent;
                        after.add(value);
                        final boolean changed = !java.util.Objects.equals(before.get(i), value);
                        sentPartially |= sent == null && value != null;
                        sentUnchanged |= sent != null && !changed;
                        trackedChanged |= changed && attributes.get(i).trackHistory();
                        untrackedChanged |= changed && !attributes.get(i).trackHistory();
                    }
                    assertFalse(sentPartially && sentUnchanged, () -> "a partial update carries only what changed: " + record.toMap()
                            + " after " + before);
                    untrackedOnly += !trackedChanged && untrackedChanged ? 1 : 0;
                    partial += sentPartially ? 1 : 0;
                    noChange += !trackedChanged && !untrackedChanged ? 1 : 0;
                    if (!late) {
                        current.put(event.customerId(), after);
                    }
                }
                default -> throw new AssertionError(event.op());
            }
        }
        return new UpdateKinds(updates, untrackedOnly, partial, noChange);
    }

    private static final FakeCustomerGenerator.Mix WITH_SHARES_OF_UPDATES = new FakeCustomerGenerator.Mix(40, 5, 0, 10, Duration.ofMinutes(10),
            5, 2, 20, 30);

    private static void assertNear(final double expectedPercent, final int count, final int of, final String what) {
        final double percent = 100.0 * count / of;
        assertTrue(Math.abs(percent - expectedPercent) < 1.5, what + ": " + count + " of " + of + " = " + percent + "%, configured "
                + expectedPercent + "%");
    }

    @Test
    void untrackedOnlyChangesAndPartialUpdatesComeAtTheirSharesOfTheUpdatesAndAreValid() throws Exception {
        final CompiledDeclaration declaration = wide(UNTRACKED, true);
        final List<Record> records = generate(declaration, 21, WITH_SHARES_OF_UPDATES, 30_000);
        final UpdateKinds kinds = replay(declaration, records);
        assertTrue(kinds.updates() > 12_000, kinds::toString);
        assertNear(20, kinds.untrackedOnly(), kinds.updates(), "untracked-only changes");
        assertNear(30, kinds.partial(), kinds.updates(), "partial updates");
        assertTrue(kinds.noChange() < kinds.updates() / 1000, () -> "every UPDATE changes something: " + kinds);
        assertEquals(records, generate(declaration, 21, WITH_SHARES_OF_UPDATES, 30_000), "the same seed, the same events");
    }

    /** Each applies on its own: untracked-only changes sent in full, partial updates where every attribute is tracked. */
    @Test
    void untrackedOnlyChangesNeedUntrackedAttributesAndPartialUpdatesAPartialDeclaration() throws Exception {
        final CompiledDeclaration full = wide(UNTRACKED, false);
        final UpdateKinds fullKinds = replay(full, generate(full, 22, WITH_SHARES_OF_UPDATES, 20_000));
        assertNear(20, fullKinds.untrackedOnly(), fullKinds.updates(), "untracked-only changes");
        assertEquals(0, fullKinds.partial(), fullKinds::toString);

        final CompiledDeclaration allTracked = wide(Set.of(), true);
        final UpdateKinds trackedKinds = replay(allTracked, generate(allTracked, 23, WITH_SHARES_OF_UPDATES, 20_000));
        assertEquals(0, trackedKinds.untrackedOnly(), trackedKinds::toString);
        assertNear(30, trackedKinds.partial(), trackedKinds.updates(), "partial updates");
        assertTrue(trackedKinds.noChange() < trackedKinds.updates() / 1000, trackedKinds::toString);
    }

    /** In partial mode a required attribute left blank is no breakage in an UPDATE: the broken record is an INSERT. */
    @Test
    void withPartialUpdatesEveryBrokenRecordIsStillRefused() throws Exception {
        final CompiledDeclaration declaration = wide(UNTRACKED, true);
        final CustomerRecordValidator validator = new CustomerRecordValidator(declaration, Duration.ofMinutes(5), false, NOW);
        final Set<String> seen = new TreeSet<>();
        for (final Record record : generate(declaration, 3, ONLY_INVALID, 2_000)) {
            final CustomerRecordValidator.Result result = validator.validate(record);
            assertFalse(result.isValid(), () -> record.toMap().toString());
            seen.add(result.violations().getFirst().summaryKey());
        }
        assertTrue(seen.contains("first_name.required"), seen::toString);
    }
}

package io.customertrack.nifi.snowflake;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.RandomMerges;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The lateness budget and erasure property of {@code MergePropertiesTest}, run through snowflake-jdbc against fakesnow:
 * the same random streams, merges and checks, on the emulator's translation of the merge's Snowflake SQL. Fewer tries
 * than on DuckDB: every statement is an HTTP round trip. The wide example declaration (every attribute type) has a
 * server of its own, since both declarations name their tables alike, and so do the wide attributes with three of them
 * untracked and partial updates on.
 */
class FakesnowMergePropertiesIT {

    /** The wide example's attributes, every one tracked, full updates, whatever the example declares. */
    private static final Declaration WIDE = RandomMerges.flagged(Declaration.example("wide"), Set.of(), false);
    /** The wide attributes, three of them (a number, a time and a text) untracked, partial updates on; set here, not read from wide.json. */
    private static final Declaration FLAGGED = RandomMerges.flagged(WIDE, Set.of("loyalty_points", "consent_changed_at", "preferred_language"), true);

    private static Path databases;
    private static FakesnowServer server;
    private static Path wideDatabases;
    private static FakesnowServer wideServer;
    private static Path flaggedDatabases;
    private static FakesnowServer flaggedServer;

    @BeforeContainer
    static void startFakesnow() throws Exception {
        databases = Files.createTempDirectory("fakesnow-properties");
        server = new FakesnowServer(databases);
        server.createSchema(false); // keys unenforced, as on Snowflake: the sql/05 duplicate-key queries check them
        wideDatabases = Files.createTempDirectory("fakesnow-wide-properties");
        wideServer = new FakesnowServer(wideDatabases);
        wideServer.createSchema(false, WIDE);
        flaggedDatabases = Files.createTempDirectory("fakesnow-flagged-properties");
        flaggedServer = new FakesnowServer(flaggedDatabases);
        flaggedServer.createSchema(false, FLAGGED);
    }

    @AfterContainer
    static void stopFakesnow() throws Exception {
        for (final FakesnowServer running : new FakesnowServer[] {server, wideServer, flaggedServer}) {
            if (running != null) {
                running.close();
            }
        }
        for (final Path folder : new Path[] {databases, wideDatabases, flaggedDatabases}) {
            if (folder == null) {
                continue;
            }
            try (Stream<Path> files = Files.walk(folder)) {
                for (final Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    @Property(tries = 12)
    void theLatenessBudgetAndErasuresHoldOnFakesnow(
            @ForAll("eventsWithErasures") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 4) final int fileCount,
            @ForAll @IntRange(min = 0, max = 1) final int replays,
            @ForAll @IntRange(min = 0, max = 420) final int budgetSeconds,
            @ForAll final Random random) throws Exception {
        try (Connection connection = server.connect()) {
            final CustomerStore store = CustomerStore.on(connection);
            store.emptyTables();
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.files(events, fileCount, replays, random),
                    budgetSeconds, random);
        }
    }

    /** The same for the wide declaration: its row hash and its values of every type through snowflake-jdbc. */
    @Property(tries = 6)
    void theLatenessBudgetAndErasuresHoldOnFakesnowForTheWideDeclaration(
            @ForAll("wideEventsWithErasures") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 4) final int fileCount,
            @ForAll @IntRange(min = 0, max = 1) final int replays,
            @ForAll @IntRange(min = 0, max = 420) final int budgetSeconds,
            @ForAll final Random random) throws Exception {
        try (Connection connection = wideServer.connect()) {
            final CustomerStore store = CustomerStore.on(connection, WIDE);
            store.emptyTables();
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.files(events, fileCount, replays, random),
                    budgetSeconds, random);
        }
    }

    /**
     * Untracked attributes and partial updates through snowflake-jdbc: after every merge the tables, the receipts' no-op
     * and in-place counts and the audit's UPDATED rows equal the model's.
     */
    @Property(tries = 6)
    void untrackedAttributesAndPartialUpdatesHoldOnFakesnow(
            @ForAll("flaggedEventsWithErasures") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 4) final int fileCount,
            @ForAll @IntRange(min = 0, max = 1) final int replays,
            @ForAll @IntRange(min = 0, max = 1200) final int budgetSeconds,
            @ForAll final Random random) throws Exception {
        try (Connection connection = flaggedServer.connect()) {
            final CustomerStore store = CustomerStore.on(connection, FLAGGED);
            store.emptyTables();
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.filesWithLateOnes(events, fileCount, replays, random),
                    budgetSeconds, random).collect();
        }
    }

    @Provide
    Arbitrary<List<CustomerEvent>> flaggedEventsWithErasures() {
        return RandomMerges.flaggedEventsWithErasures(FLAGGED);
    }

    @Provide
    Arbitrary<List<CustomerEvent>> eventsWithErasures() {
        return RandomMerges.eventsWithErasures();
    }

    @Provide
    Arbitrary<List<CustomerEvent>> wideEventsWithErasures() {
        return RandomMerges.eventsWithErasures(WIDE);
    }
}

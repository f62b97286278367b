package io.customertrack.nifi.merge;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeScriptTest {

    @Test
    void splitsOnSemicolonsOutsideQuotesCommentsAndDollarBlocks() {
        final String sql = """
                -- a comment; not a statement
                SELECT 'a;b', "x;y" FROM t;
                CREATE PROCEDURE p() AS $$ BEGIN SELECT 1; RETURN 'it''s'; END; $$;
                INSERT INTO t VALUES ('O''Brien;')
                """;
        assertEquals(List.of("SELECT 'a;b', \"x;y\" FROM t",
                "CREATE PROCEDURE p() AS $$ BEGIN SELECT 1; RETURN 'it''s'; END; $$",
                "INSERT INTO t VALUES ('O''Brien;')"), MergeScript.split(sql));
    }

    @Test
    void unterminatedQuotesAreErrorsNotSilentMerges() {
        assertThrows(IllegalStateException.class, () -> MergeScript.split("SELECT 'open"));
        assertThrows(IllegalStateException.class, () -> MergeScript.split("CREATE PROCEDURE p() AS $$ BEGIN"));
    }

    @Test
    void markersMustBePresent() {
        assertThrows(IllegalStateException.class, () -> MergeScript.extractBetweenMarkers("MERGE INTO x USING y ON 1=1"));
    }

    @Test
    void everyStepIsReadByItsName() {
        final MergeScript script = MergeScript.parse(script(List.of(MergeScript.Step.values())));
        assertEquals(List.of(MergeScript.Step.values()), script.steps());
        assertEquals("UPDATE t SET c = 'HISTORY_MERGE'", script.statement(MergeScript.Step.HISTORY_MERGE));
    }

    @Test
    void aMissingUnknownOrDoubledStepIsAnErrorNamingIt() {
        final List<MergeScript.Step> withoutOne = new ArrayList<>(List.of(MergeScript.Step.values()));
        withoutOne.remove(MergeScript.Step.RECUT_INSERT);
        assertMessage("lacks the step(s) [RECUT_INSERT]", script(withoutOne));
        assertMessage("unknown step 'HISTORY_MERGER'", script(List.of(MergeScript.Step.values())).replace("step HISTORY_MERGE", "step HISTORY_MERGER"));
        assertMessage("RECUT_INSERT appears twice", script(List.of(MergeScript.Step.values())).replace("step HISTORY_MERGE", "step RECUT_INSERT"));
        assertMessage("without a '-- customertrack:step' line", script(List.of(MergeScript.Step.values()))
                .replace(MergeScript.BEGIN_MARKER + "\n", MergeScript.BEGIN_MARKER + "\nDELETE FROM x;\n"));
        assertMessage("MERGE_LOCK must hold one statement, not 2", script(List.of(MergeScript.Step.values()))
                .replace("SET c = 'MERGE_LOCK';", "SET c = 'MERGE_LOCK'; DELETE FROM x;"));
    }

    @Test
    void aSectionAfterAnIfHasTheSelectIntoItsFlagAsGuard() {
        final String script = script(List.of(MergeScript.Step.values())).replace("-- customertrack:step RAW_ERASE",
                MergeScript.END_MARKER + "\nSELECT COUNT(*) > 0 INTO :erasing FROM e;\nIF (erasing) THEN\n" + MergeScript.BEGIN_MARKER
                        + "\n-- customertrack:step RAW_ERASE").replace("-- customertrack:step WATERMARK_MERGE",
                MergeScript.END_MARKER + "\nEND IF;\n" + MergeScript.BEGIN_MARKER + "\n-- customertrack:step WATERMARK_MERGE");
        final MergeScript parsed = MergeScript.parse(script);
        assertEquals("SELECT COUNT(*) > 0 FROM e", parsed.guard(MergeScript.Step.RAW_ERASE));
        assertNull(parsed.guard(MergeScript.Step.WATERMARK_MERGE), "the sections around the IF are separate");
    }

    /** One marked section, a trivial statement per step, and the query-id update after it. */
    private static String script(final List<MergeScript.Step> steps) {
        final StringBuilder script = new StringBuilder(MergeScript.BEGIN_MARKER + "\n");
        steps.forEach(step -> script.append("-- customertrack:step ").append(step).append("\nUPDATE t SET c = '").append(step).append("';\n"));
        return script.append(MergeScript.END_MARKER).append("\nUPDATE r SET q = :merge_query_id;\nCOMMIT;\n").toString();
    }

    private static void assertMessage(final String expected, final String script) {
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> MergeScript.parse(script));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}

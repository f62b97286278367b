package io.customertrack.nifi.merge;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}

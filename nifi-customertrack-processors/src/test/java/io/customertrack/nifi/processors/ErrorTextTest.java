package io.customertrack.nifi.processors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.SQLException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorTextTest {

    /** The shape of a Snowflake COPY error: the value quoted on the first line, the file and position on the next. */
    @Test
    void aSqlErrorKeepsItsStateCodeAndLinesWithQuotedTextMasked() {
        final SQLException error = new SQLException("Numeric value 'Ada Lovelace' is not recognized\n  File 'customers/x.csv', line 2, character 1\n"
                + "  Row 1, column \"CUSTOMER_RAW\"[\"CUSTOMER_ID\":1]\n\n  If you would like to continue loading, use ON_ERROR = 'CONTINUE'", "22018", 100038);
        assertEquals("SQLState 22018, error code 100038: Numeric value '?' is not recognized / File '?', line 2, character 1 / "
                + "Row 1, column \"?\"[\"?\":1]", ErrorText.describe(error));
    }

    /** DuckDB's CSV error repeats the input row unquoted on a line of its own: that line goes. */
    @Test
    void aLineEchoingTheInputRowIsDropped() {
        final SQLException error = new SQLException("Conversion Error: CSV Error on Line: 2\nOriginal Line: x7,Ada,Lovelace,ada@example.com\n"
                + "Error when converting column \"customer_id\". Could not convert string \"x7\" to 'BIGINT'");
        assertEquals("no SQLState, error code 0: Conversion Error: CSV Error on Line: 2 / Error when converting column \"?\". "
                + "Could not convert string \"?\" to '?'", ErrorText.describe(error));
    }

    @Test
    void theSqlErrorInACauseChainIsTheOneDescribed() {
        final RuntimeException wrapped = new RuntimeException("merge failed for \"ada@example.com\"",
                new SQLException("Conversion Error: Could not convert string \"London\" to INT32", null, 0));
        assertEquals("no SQLState, error code 0: Conversion Error: Could not convert string \"?\" to INT32", ErrorText.describe(wrapped));
    }

    @Test
    void otherErrorsKeepEachDistinctMessageMaskedAnUnclosedQuoteToTheEnd() {
        final IOException error = new IOException("Failed to parse", new IllegalStateException("Unrecognized token 'Lovelace: was expecting\n at line 1"));
        assertEquals("IOException: Failed to parse: Unrecognized token '?'", ErrorText.describe(error));
        assertEquals("NullPointerException", ErrorText.describe(new NullPointerException()));
    }

    @Test
    void aDescriptionIsBounded() {
        final String description = ErrorText.describe(new SQLException("x".repeat(10_000), "42000", 1));
        assertEquals(ErrorText.MAX_LENGTH, description.length());
        assertTrue(description.endsWith("..."), description);
    }
}

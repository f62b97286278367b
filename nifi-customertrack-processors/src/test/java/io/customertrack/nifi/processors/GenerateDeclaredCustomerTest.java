package io.customertrack.nifi.processors;

import io.customertrack.declaration.Declaration;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GenerateFakeCustomer with a declaration other than the default, its output through ValidateCustomerRecord. */
class GenerateDeclaredCustomerTest {

    @Test
    void wideEventsPassValidateCustomerRecordOfTheSameDeclaration() throws Exception {
        final TestRunner generate = GenerateFakeCustomerTest.newRunner();
        generate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, ValidateDeclaredCustomerTest.WIDE_DECLARATION_FILE);
        generate.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "2000");
        generate.setProperty(GenerateFakeCustomer.UPDATE_PERCENTAGE, "30");
        generate.setProperty(GenerateFakeCustomer.ERASURE_PERCENTAGE, "5");
        generate.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, "10");
        generate.setProperty(GenerateFakeCustomer.RANDOM_SEED, "9");
        generate.run();
        final MockFlowFile generated = generate.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst();
        assertTrue(generated.getContent().startsWith(String.join(",", Declaration.example("wide").fileColumns()) + "\n"));

        final TestRunner validate = ValidateCustomerRecordTest.newRunner();
        validate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, ValidateDeclaredCustomerTest.WIDE_DECLARATION_FILE);
        validate.enqueue(generated.toByteArray());
        validate.run();
        final MockFlowFile valid = validate.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        final MockFlowFile invalid = validate.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).getFirst();
        final int invalidCount = Integer.parseInt(invalid.getAttribute("record.count"));
        assertEquals(2000, Integer.parseInt(valid.getAttribute("record.count")) + invalidCount);
        assertTrue(invalidCount > 120 && invalidCount < 290, "about 10% broken on purpose: " + invalidCount);
        final String errors = invalid.getAttribute(ValidateCustomerRecord.ATTR_ERRORS);
        for (final String code : new String[]{"phone.pattern_mismatch", "loyalty_tier.not_one_of", "loyalty_points.out_of_range"}) {
            assertTrue(errors.contains(code), errors);
        }
    }

    /**
     * The wide example has untracked attributes and partial updates: with the processor's default shares its UPDATEs
     * include partial ones (a required attribute empty), all valid under the same declaration.
     */
    @Test
    void wideUpdatesIncludePartialOnesWithoutAnyPropertySetAndAllAreValid() throws Exception {
        final TestRunner generate = GenerateFakeCustomerTest.newRunner();
        generate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, ValidateDeclaredCustomerTest.WIDE_DECLARATION_FILE);
        generate.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, "2000");
        generate.setProperty(GenerateFakeCustomer.RANDOM_SEED, "9");
        generate.run(2);
        final List<String> columns = Declaration.example("wide").fileColumns();
        int updates = 0;
        int partial = 0;
        final TestRunner validate = ValidateCustomerRecordTest.newRunner();
        validate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, ValidateDeclaredCustomerTest.WIDE_DECLARATION_FILE);
        for (final MockFlowFile generated : generate.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS)) {
            for (final String line : generated.getContent().split("\n")) {
                final List<String> row = SimpleCsv.parseLine(line);
                if ("UPDATE".equals(row.get(columns.indexOf("op")))) {
                    updates++;
                    partial += row.get(columns.indexOf("first_name")).isEmpty() ? 1 : 0;
                }
            }
            validate.enqueue(generated.toByteArray());
        }
        // first_name never changes: empty only where an UPDATE is sent partially.
        assertTrue(updates > 500 && Math.abs(100.0 * partial / updates - 30) < 5, partial + " partial of " + updates + " updates");
        validate.run(2);
        validate.assertTransferCount(ValidateCustomerRecord.REL_INVALID, 0);
        validate.assertTransferCount(ValidateCustomerRecord.REL_VALID, 2);
    }

    @Test
    void aSourceWithoutAnyAcceptedValueMakesTheProcessorInvalid() throws Exception {
        final TestRunner generate = GenerateFakeCustomerTest.newRunner();
        generate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, "{\"attributes\": [{\"name\": \"code\", \"type\": \"VARCHAR(3)\","
                + " \"required\": true, \"personal\": false, \"generate\": {\"values\": [\"ABCD\"]}}]}");
        generate.assertNotValid();
        final String explanation = generate.validate().stream().filter(result -> !result.isValid()).findFirst().orElseThrow().getExplanation();
        assertTrue(explanation.startsWith("attribute 'code' generate: none of its 1 values"), explanation);
        generate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, "{\"attributes\": [{\"name\": \"code\", \"type\": \"VARCHAR(3)\","
                + " \"required\": true, \"personal\": false, \"generate\": {\"values\": [\"ABCD\", \"ABC\"]}}]}");
        generate.assertValid();
    }

    /** The verdict is kept for the declaration as read: a file edited under the same path is judged again. */
    @Test
    void anEditedDeclarationFileIsJudgedAgain(@TempDir final Path directory) throws Exception {
        final Path file = directory.resolve("customer.json");
        Files.writeString(file, "{\"attributes\": [{\"name\": \"code\", \"type\": \"VARCHAR(3)\","
                + " \"required\": true, \"personal\": false, \"generate\": {\"values\": [\"ABC\"]}}]}");
        final TestRunner generate = GenerateFakeCustomerTest.newRunner();
        generate.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, file.toString());
        generate.assertValid();
        Files.writeString(file, "{\"attributes\": [{\"name\": \"code\", \"type\": \"VARCHAR(3)\","
                + " \"required\": true, \"personal\": false, \"generate\": {\"values\": [\"ABCD\"]}}]}");
        generate.assertNotValid();
    }
}

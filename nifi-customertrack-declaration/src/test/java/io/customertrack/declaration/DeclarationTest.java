package io.customertrack.declaration;

import io.customertrack.declaration.check.AttributeCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeclarationTest {

    @Test
    void theDefaultDeclarationIsTheTutorialsCustomer() {
        final Declaration declaration = Declaration.defaultDeclaration();
        assertEquals(List.of("first_name", "last_name", "email", "street", "city", "state", "country"), declaration.names());
        assertEquals(List.of("customer_id", "first_name", "last_name", "email", "street", "city", "state", "country", "op",
                "updated_at"), declaration.fileColumns());
        assertEquals(new AttributeType.Varchar(254), declaration.attribute("email").type());
        assertTrue(declaration.attributes().stream().allMatch(a -> a.required() && a.personal()));
    }

    @Test
    void theWideExampleHasEveryTypeAndBothKindsOfAttribute() {
        final Declaration wide = Declaration.example("wide");
        assertTrue(wide.attributes().size() >= 15);
        assertEquals(5, wide.attributes().stream().map(a -> a.type().getClass()).distinct().count(), "every supported type");
        assertTrue(wide.attributes().stream().anyMatch(a -> !a.required()));
        assertTrue(wide.attributes().stream().anyMatch(a -> !a.personal()));
        assertTrue(wide.partialUpdates(), "the sandbox's pipeline runs partial updates");
        assertEquals(List.of("loyalty_points", "lifetime_value", "credit_score", "consent_changed_at", "preferred_language"),
                wide.untrackedAttributes().stream().map(Attribute::name).toList(), "untracked: NUMBER, TIMESTAMP_NTZ, VARCHAR; personal or not");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"name": "tier", "type": "TEXT", "required": true, "personal": false}                      | attribute 'tier': unknown type 'TEXT'
            {"name": "Tier", "type": "BOOLEAN", "required": true, "personal": false}                   | attribute 'Tier': the name must be lower snake case
            {"name": "updated_at", "type": "BOOLEAN", "required": true, "personal": false}             | attribute 'updated_at': the name is reserved (a column every declaration has)
            {"name": "order", "type": "BOOLEAN", "required": true, "personal": false}                  | attribute 'order': the name is reserved
            {"name": "limit", "type": "BOOLEAN", "required": true, "personal": false}  | attribute 'limit': the name is reserved (a column or keyword the tables, the merge, Snowflake or
            {"name": "tier", "type": "BOOLEAN", "required": true, "personal": false, "rules": {"maxLength": 3}} | attribute 'tier': rule maxLength does not fit the type BOOLEAN
            {"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false, "rules": {"pattern": "[a-"}} | attribute 'tier': rule pattern does not compile
            {"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false, "rules": {"maxLength": 6}} | attribute 'tier': rule maxLength must be 1 to the type's length 5, not 6
            {"name": "score", "type": "NUMBER(3,0)", "required": true, "personal": false, "rules": {"min": 5, "max": 1}} | attribute 'score': rule min 5 is larger than max 1
            {"name": "score", "type": "NUMBER(40,0)", "required": true, "personal": false}             | attribute 'score': NUMBER needs a precision of 1 to 38
            {"name": "tier", "type": "VARCHAR(5)", "personal": false}                                  | attribute 'tier': "required" is missing
            {"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false, "colour": 1}   | attribute 'tier': unknown key "colour"
            {"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false, "generate": {}} | attribute 'tier' generate: needs exactly one of
            """)
    void anUnusableAttributeIsRefusedWithItsNameAndTheProblem(final String attribute, final String message) {
        final DeclarationException refused = assertThrows(DeclarationException.class,
                () -> Declaration.parse("{\"attributes\": [" + attribute + "]}"));
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }

    /**
     * Rule values no value could pass are refused when the declaration is read, with the message the processors' checks
     * give ({@link AttributeCheck#compile}): the renderer and the processors accept the same declarations.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            VARCHAR(4)  | {"oneOf": ["gold", "platinum"]}               | attribute 'tier': rule oneOf value 'platinum' could never be accepted: it has 8 characters, more than the 4
            VARCHAR(9)  | {"pattern": "[A-Z]+", "oneOf": ["ABC", "abc"]} | attribute 'tier': rule oneOf value 'abc' could never be accepted: it does not match the pattern [A-Z]+
            NUMBER(3,0) | {"min": -1000}                                 | attribute 'tier': rule min -1000 does not fit the type NUMBER(3,0)
            NUMBER(5,2) | {"max": 0.001}                                 | attribute 'tier': rule max 0.001 does not fit the type NUMBER(5,2)
            """)
    void ruleValuesNoValueCouldPassAreRefusedAsTheProcessorsRefuseThem(final String type, final String rules, final String message) {
        final DeclarationException refused = assertThrows(DeclarationException.class, () -> Declaration.parse("{\"attributes\": [{\"name\": "
                + "\"tier\", \"type\": \"" + type + "\", \"required\": true, \"personal\": false, \"rules\": " + rules + "}]}"));
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }

    @Test
    void aRuleValueIsRefusedWithTheMessageOfTheProcessorsChecks() {
        final Attribute unchecked = new Attribute("tier", new AttributeType.Varchar(4), true, false,
                new Rules(null, false, null, List.of("gold", "platinum"), null, null, false), null);
        assertEquals(assertThrows(DeclarationException.class, () -> AttributeCheck.compile(unchecked)).getMessage(),
                assertThrows(DeclarationException.class, () -> Declaration.parse("""
                        {"attributes": [{"name": "tier", "type": "VARCHAR(4)", "required": true, "personal": false,
                                         "rules": {"oneOf": ["gold", "platinum"]}}]}""")).getMessage());
    }

    @Test
    void numbersAreReadExactlyAsWritten() {
        final Declaration declaration = Declaration.parse("""
                {"attributes": [{"name": "balance", "type": "NUMBER(38,2)", "required": true, "personal": false,
                                 "rules": {"min": -12345678901234567.89, "max": 12345678901234567.89, "oneOf": [0.10, 12345678901234567.89]},
                                 "generate": {"between": [1, 12345678901234567.89]}}]}""");
        final Attribute balance = declaration.attribute("balance");
        assertEquals("12345678901234567.89", balance.rules().max().toPlainString());
        assertEquals("-12345678901234567.89", balance.rules().min().toPlainString());
        assertEquals(List.of("0.10", "12345678901234567.89"), balance.rules().oneOf());
        assertEquals(List.of("1", "12345678901234567.89"), balance.generate().between());
    }

    @Test
    void anAttributeDeclaredTwiceIsRefused() {
        final String tier = "{\"name\": \"tier\", \"type\": \"VARCHAR(5)\", \"required\": true, \"personal\": false}";
        final DeclarationException refused = assertThrows(DeclarationException.class,
                () -> Declaration.parse("{\"attributes\": [" + tier + ", " + tier + "]}"));
        assertEquals("attribute 'tier': declared twice", refused.getMessage());
    }

    @Test
    void appendedAttributesGoAfterUpdatedAtInFiles() {
        final Declaration withPhone = Declaration.example("customer-with-phone");
        assertEquals(2, withPhone.version());
        assertEquals(List.of("customer_id", "first_name", "last_name", "email", "street", "city", "state", "country", "op",
                "updated_at", "phone"), withPhone.fileColumns());
        assertEquals(List.of("phone"), withPhone.newestAttributes().stream().map(Attribute::name).toList());
        assertEquals(java.time.Instant.parse("2027-01-31T00:00:00Z"), withPhone.previousShapeAcceptedUntil());
        assertEquals(1, Declaration.defaultDeclaration().version());
        assertEquals(List.of(), Declaration.defaultDeclaration().newestAttributes());
    }

    @Test
    void historyIsTrackedForEveryAttributeAndUpdatesAreFullUnlessDeclaredOtherwise() {
        final Declaration declaration = Declaration.parse("""
                {"attributes": [{"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false},
                                {"name": "nick", "type": "VARCHAR(5)", "required": false, "personal": true, "trackHistory": true}]}""");
        assertTrue(declaration.attributes().stream().allMatch(Attribute::trackHistory));
        assertEquals(declaration.attributes(), declaration.trackedAttributes());
        assertEquals(List.of(), declaration.untrackedAttributes());
        assertFalse(declaration.partialUpdates());
        assertFalse(Declaration.defaultDeclaration().partialUpdates());
        assertEquals(List.of(), Declaration.defaultDeclaration().untrackedAttributes());
    }

    @Test
    void untrackedAttributesAndPartialUpdatesAreReadInDeclaredOrder() {
        final Declaration declaration = Declaration.parse("""
                {"partialUpdates": true, "attributes": [
                  {"name": "points", "type": "NUMBER(9,0)", "required": true, "personal": false, "trackHistory": false},
                  {"name": "tier", "type": "VARCHAR(5)", "required": true, "personal": false},
                  {"name": "note", "type": "VARCHAR(50)", "required": false, "personal": true, "trackHistory": false},
                  {"name": "email", "type": "VARCHAR(254)", "required": true, "personal": true, "trackHistory": true}]}""");
        assertTrue(declaration.partialUpdates());
        assertEquals(List.of("tier", "email"), declaration.trackedAttributes().stream().map(Attribute::name).toList());
        assertEquals(List.of("points", "note"), declaration.untrackedAttributes().stream().map(Attribute::name).toList());
        assertFalse(declaration.attribute("points").trackHistory());
        assertTrue(declaration.attribute("tier").trackHistory());
    }

    /** A declaration whose every attribute is untracked keeps one version per customer life: allowed, not refused. */
    @Test
    void aDeclarationWithoutAnyTrackedAttributeIsAllowed() {
        final Declaration declaration = Declaration.parse("""
                {"partialUpdates": false, "attributes": [
                  {"name": "points", "type": "NUMBER(9,0)", "required": true, "personal": false, "trackHistory": false}]}""");
        assertEquals(List.of(), declaration.trackedAttributes());
        assertEquals(List.of("points"), declaration.untrackedAttributes().stream().map(Attribute::name).toList());
        assertFalse(declaration.partialUpdates());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            "trackHistory": "false" | attribute 'tier': "trackHistory" must be true or false
            "trackHistory": 0       | attribute 'tier': "trackHistory" must be true or false
            "trackHistory": null    | attribute 'tier': "trackHistory" must be true or false
            """)
    void aTrackHistoryThatIsNotABooleanIsRefusedNamingTheAttribute(final String trackHistory, final String message) {
        final DeclarationException refused = assertThrows(DeclarationException.class, () -> Declaration.parse(
                "{\"attributes\": [{\"name\": \"tier\", \"type\": \"VARCHAR(5)\", \"required\": true, \"personal\": false, "
                        + trackHistory + "}]}"));
        assertEquals(message, refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            "yes"
            1
            null
            [true]
            """)
    void aPartialUpdatesThatIsNotABooleanIsRefusedNamingTheKey(final String partialUpdates) {
        final DeclarationException refused = assertThrows(DeclarationException.class, () -> Declaration.parse(
                "{\"partialUpdates\": " + partialUpdates + ", \"attributes\": [{\"name\": \"tier\", \"type\": \"VARCHAR(5)\", "
                        + "\"required\": true, \"personal\": false}]}"));
        assertEquals("the declaration's \"partialUpdates\" must be true or false", refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            "version": 1, "attributes": [TIER, NICK2] | attribute 'nick': "since" must be 1 to the declaration's version 1, not 2
            "version": 3, "attributes": [TIER, NICK3, AGE2] | attribute 'age': since 2 is declared after 'nick' (since 3)
            "version": 2, "attributes": [NICK2, TIER] | attribute 'tier': since 1 is declared after 'nick' (since 2)
            "version": 2, "attributes": [NICK2] | attribute 'nick': the first attribute belongs to version 1
            "version": 0, "attributes": [TIER] | the declaration's "version" must be 1 or more, not 0
            "version": 2, "previousShapeAcceptedUntil": "2027-01-31T00:00:00Z", "attributes": [TIER] | the declaration's "previousShapeAcceptedUntil": a migration window needs
            "version": 2, "previousShapeAcceptedUntil": "31.01.2027", "attributes": [TIER, NICK2] | the declaration's "previousShapeAcceptedUntil" must be an ISO-8601 UTC time
            """)
    void versionsSinceAndTheWindowAreChecked(final String body, final String message) {
        final String json = "{" + body
                .replace("TIER", "{\"name\": \"tier\", \"type\": \"VARCHAR(5)\", \"required\": true, \"personal\": false}")
                .replace("NICK2", "{\"name\": \"nick\", \"type\": \"VARCHAR(5)\", \"required\": false, \"personal\": true, \"since\": 2}")
                .replace("AGE2", "{\"name\": \"age\", \"type\": \"NUMBER(3,0)\", \"required\": false, \"personal\": true, \"since\": 2}")
                .replace("NICK3", "{\"name\": \"nick\", \"type\": \"VARCHAR(5)\", \"required\": false, \"personal\": true, \"since\": 3}") + "}";
        final DeclarationException refused = assertThrows(DeclarationException.class, () -> Declaration.parse(json));
        assertTrue(refused.getMessage().startsWith(message), refused.getMessage());
    }
}

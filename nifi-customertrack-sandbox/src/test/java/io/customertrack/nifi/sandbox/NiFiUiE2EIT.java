package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.customertrack.nifi.processors.GenerateFakeCustomer;
import io.customertrack.nifi.processors.TriggerSnowflakeMerge;
import io.customertrack.nifi.processors.ValidateCustomerRecord;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.PropertyDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Point;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * NiFi's own web UI driven in headless Chromium as a user drives it: drag the Processor tool onto the canvas, find the
 * CustomerTrack processors in the Add Processor dialog, add ValidateCustomerRecord, read why it is invalid, configure
 * it, read its usage page, add the other two processors, and upload the pipeline's flow definition into a new process
 * group. Each step leaves a screenshot in target/ui-screenshots.
 *
 * <p>The sandbox runs on plain HTTP: the secured sandbox authenticates by client certificate, which headless
 * Chromium can only present from an NSS database set up for it. Debian's chromium and chromium-driver are used at
 * their fixed paths, so Selenium never looks for a browser or driver on the network; .ci/run installs them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NiFiUiE2EIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of(System.getProperty("ui.screenshots", "target/ui-screenshots")).toAbsolutePath();
    private static final Path PIPELINE_FLOW = SandboxNiFi.ROOT.resolve("flows/customertrack/customertrack-pipeline.json");
    private static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");
    /** In the order the Add Processor dialog lists them: by type name. */
    private static final List<Class<?>> CUSTOMERTRACK_PROCESSORS =
            List.of(GenerateFakeCustomer.class, TriggerSnowflakeMerge.class, ValidateCustomerRecord.class);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** The breadcrumb naming the group the canvas shows. */
    private static final By CURRENT_GROUP = By.cssSelector("breadcrumbs a.current-process-group");

    @TempDir
    static Path work;

    private static SandboxNiFi nifi;
    private static WebDriver browser;
    private static WebDriverWait wait;

    @RegisterExtension
    static final TestWatcher SCREENSHOT_ON_FAILURE = new TestWatcher() {
        @Override
        public void testFailed(final ExtensionContext context, final Throwable cause) {
            if (browser != null) {
                screenshot("failed-" + context.getRequiredTestMethod().getName() + ".png");
                // The next step starts from the canvas, not from whatever dialog this one left open.
                browser.get(nifi.url() + "/nifi/");
            }
        }
    };

    @BeforeAll
    static void startNiFiAndBrowser() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("NiFiUiE2EIT drives Debian's Chromium: " + CHROMIUM + " and " + CHROMEDRIVER + " must exist. Install them with "
                    + "'apt-get install chromium chromium-driver fonts-dejavu-core' (.ci/run does).");
        }
        Files.createDirectories(SCREENSHOTS);
        nifi = SandboxNiFi.startPlainWithCustomerTrack(work.resolve("nifi"));
        // The autoloaded NAR is installed shortly after the API answers: the dialog lists what NiFi knows by then.
        nifi.rest().await("/flow/processor-types?bundleGroupFilter=io.customertrack&bundleArtifactFilter=nifi-customertrack-nar", PATIENCE,
                types -> types.get("processorTypes").size() == CUSTOMERTRACK_PROCESSORS.size());

        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1600,1000");
        final ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        browser = new ChromeDriver(driver, options);
        wait = new WebDriverWait(browser, PATIENCE);
    }

    @AfterAll
    static void stopBrowserAndNiFi() throws IOException {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (nifi != null) {
                nifi.close();
            }
        }
    }

    @Test
    @Order(1)
    void canvasOpensOnTheEmptyRootGroup() {
        browser.get(nifi.url() + "/nifi/");
        wait.until(ExpectedConditions.elementToBeClickable(tool("Processor")));
        wait.until(ExpectedConditions.textToBe(CURRENT_GROUP, "NiFi Flow"));
        screenshot("01-canvas.png");

        final String operation = browser.findElement(By.cssSelector("operation-control component-context")).getText();
        assertTrue(operation.contains("NiFi Flow") && operation.contains("Process Group"), operation);
        assertEquals(0, browser.findElements(By.cssSelector("g.processor")).size(), "a fresh flow has no processors");
        assertEquals(List.of("Processor", "Input Port", "Output Port", "Process Group", "Remote Process Group", "Funnel",
                "Import from Registry", "Label"), attributes(browser.findElements(By.cssSelector("new-canvas-item")), "tooltip"));
    }

    @Test
    @Order(2)
    void addProcessorDialogListsTheCustomerTrackProcessorsWithTheirTagsAndDescriptions() {
        final WebElement dialog = dragToolOntoCanvas("Processor", new Point(500, 200));
        assertEquals("Add Processor", dialog.findElement(By.tagName("h2")).getText());
        dialog.findElements(By.tagName("input")).get(0).sendKeys("Customer");
        wait.until(driver -> dialog.findElement(By.xpath(".//div[starts-with(normalize-space(.), 'Showing 3 of')]")));

        assertEquals(CUSTOMERTRACK_PROCESSORS.stream().map(Class::getSimpleName).toList(),
                texts(dialog.findElements(By.cssSelector("tbody td.mat-column-type"))));
        for (final Class<?> processor : CUSTOMERTRACK_PROCESSORS) {
            final String name = processor.getSimpleName();
            // Looked up anew each time: selecting a row may redraw the table.
            final WebElement row = dialog.findElements(By.cssSelector("tbody tr")).get(CUSTOMERTRACK_PROCESSORS.indexOf(processor));
            assertEquals(VERSION, row.findElement(By.cssSelector("td.mat-column-version")).getText());
            assertEquals(Arrays.stream(processor.getAnnotation(Tags.class).value()).sorted().collect(Collectors.joining(", ")),
                    row.findElement(By.cssSelector("td.mat-column-tags")).getText());

            // What a user reads about it: its capability description, whole (the dialog clamps it to three lines).
            row.click();
            wait.until(ExpectedConditions.textToBe(By.cssSelector("mat-dialog-container .selected-type-name"), name));
            final WebElement description = dialog.findElement(By.cssSelector(".selected-type-description"));
            assertEquals(processor.getAnnotation(CapabilityDescription.class).value(), description.getText());
            assertTrue(fitsWithoutClamping(description), name + "'s description is cut off in the Add Processor dialog");
        }
        screenshot("02-add-processor-filter.png");

        dialog.findElement(By.xpath(".//button[normalize-space(.)='Add']")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
        wait.until(ExpectedConditions.presenceOfElementLocated(processorNamed("ValidateCustomerRecord")));
    }

    @Test
    @Order(3)
    void validateCustomerRecordIsInvalidUntilItHasItsRecordServices() {
        final WebElement warning = wait.until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(
                processorNamed("ValidateCustomerRecord"), By.cssSelector("text.run-status-icon.invalid"))).get(0);

        new Actions(browser).moveToElement(warning).perform();
        final WebElement tip = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("validation-errors-tip")));
        final List<String> errors = texts(tip.findElements(By.tagName("li")));
        screenshot("03-validate-invalid-tooltip.png");
        // Through the tip and out of it, as a user's pointer goes: leaving the tip closes it even when the canvas
        // redrew the processor meanwhile and the icon no longer knows its tip.
        new Actions(browser).moveToElement(tip).moveToElement(browser.findElement(CURRENT_GROUP)).perform();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("validation-errors-tip")));

        assertTrue(errors.contains("'Record Reader' is invalid because Record Reader is required"), errors.toString());
        assertTrue(errors.contains("'Record Writer' is invalid because Record Writer is required"), errors.toString());
    }

    @Test
    @Order(4)
    void configureShowsValidateCustomerRecordsProperties() {
        contextMenu(browser.findElement(processorNamed("ValidateCustomerRecord")), "Configure");
        final WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
        assertTrue(dialog.findElement(By.tagName("h2")).getText().startsWith("Edit Processor"), dialog.findElement(By.tagName("h2")).getText());
        dialog.findElement(By.xpath(".//*[@role='tab'][normalize-space(.)='Properties']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("mat-dialog-container td.mat-column-property")));
        final List<String> shown = texts(dialog.findElements(By.cssSelector("td.mat-column-property")));
        final List<String> shownValues = texts(dialog.findElements(By.cssSelector("td.mat-column-value")));
        screenshot("04-validate-configure.png");

        final List<String> declared = new ValidateCustomerRecord().getPropertyDescriptors().stream().map(PropertyDescriptor::getDisplayName).toList();
        assertEquals(declared, shown);
        assertEquals("No value set", shownValues.get(shown.indexOf("Record Reader")));
        assertEquals("No value set", shownValues.get(shown.indexOf("Record Writer")));
        assertTrue(dialog.findElement(By.xpath(".//button[contains(normalize-space(.), 'Invalid')]")).isDisplayed(),
                "the dialog says the processor is invalid");

        dialog.findElement(By.xpath(".//button[normalize-space(.)='Cancel']")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
    }

    @Test
    @Order(5)
    void usagePageRendersTheRulesInTheAdditionalDetails() throws IOException {
        contextMenu(browser.findElement(processorNamed("ValidateCustomerRecord")), "View Documentation");
        wait.until(ExpectedConditions.urlContains("/documentation/"));
        assertTrue(browser.getCurrentUrl().endsWith("/nifi/#/documentation/Processor/io.customertrack/nifi-customertrack-nar/"
                + VERSION + "/" + ValidateCustomerRecord.class.getName()), browser.getCurrentUrl());
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "ValidateCustomerRecord " + VERSION));
        assertTrue(browser.findElement(By.tagName("body")).getText()
                .contains(ValidateCustomerRecord.class.getAnnotation(CapabilityDescription.class).value()));

        final WebElement additionalDetails = browser.findElement(By.xpath(
                "//mat-expansion-panel[.//mat-expansion-panel-header[contains(normalize-space(.), 'Additional Details')]]"));
        additionalDetails.findElement(By.tagName("mat-expansion-panel-header")).click();
        final String markdown = Files.readString(SandboxNiFi.ROOT.resolve(
                "nifi-customertrack-processors/src/main/resources/docs/" + ValidateCustomerRecord.class.getName() + "/additionalDetails.md"));
        final String firstParagraph = plainText(markdown.split("\n\n")[1]);
        wait.until(driver -> normalized(additionalDetails.getText()).contains(firstParagraph));
        screenshot("05-validate-usage.png");

        final String rendered = additionalDetails.getText();
        final List<String> ruleCodes = ruleCodes(markdown);
        assertTrue(ruleCodes.size() >= 10, "rule table parsed: " + ruleCodes);
        for (final String code : ruleCodes) {
            assertTrue(rendered.contains(code), "rule " + code + " on the usage page");
        }

        browser.findElement(By.xpath("//a[normalize-space(.)='Back to Processor']")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(processorNamed("ValidateCustomerRecord")));
    }

    @Test
    @Order(6)
    void triggerSnowflakeMergeAndGenerateFakeCustomerAreAddedTheSameWay() throws IOException {
        addProcessor("TriggerSnowflakeMerge", besideValidateCustomerRecord(0, 1));
        addProcessor("GenerateFakeCustomer", besideValidateCustomerRecord(1, 0));
        screenshot("06-three-processors.png");

        assertEquals(3, browser.findElements(By.cssSelector("g.processor")).size());
        final List<String> types = new ArrayList<>();
        for (final JsonNode processor : nifi.rest().get("/process-groups/root/processors").get("processors")) {
            types.add(processor.at("/component/type").asText());
        }
        assertEquals(CUSTOMERTRACK_PROCESSORS.stream().map(Class::getName).toList(), types.stream().sorted().toList());
    }

    @Test
    @Order(7)
    void pipelineFlowDefinitionUploadsIntoANewProcessGroup() throws IOException {
        final WebElement dialog = dragToolOntoCanvas("Process Group", besideValidateCustomerRecord(1, 1));
        assertEquals("Create Process Group", dialog.findElement(By.tagName("h2")).getText());
        dialog.findElement(By.cssSelector("button[title='Browse'] input[type='file']")).sendKeys(PIPELINE_FLOW.toString());
        final WebElement name = dialog.findElement(By.cssSelector("input[formcontrolname='newProcessGroupName']"));
        wait.until(driver -> "customertrack-pipeline".equals(name.getDomProperty("value")));
        screenshot("07-upload-flow-definition.png");

        dialog.findElement(By.xpath(".//button[normalize-space(.)='Add']")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
        final WebElement group = wait.until(ExpectedConditions.presenceOfElementLocated(svgComponent("process-group", "customertrack-pipeline")));
        screenshot("08-pipeline-group.png");
        final String groupId = group.getDomAttribute("id").substring("id-".length());

        final List<String> expected = new ArrayList<>();
        for (final JsonNode processor : new ObjectMapper().readTree(PIPELINE_FLOW.toFile()).at("/flowContents/processors")) {
            expected.add(processor.get("name").asText());
        }
        contextMenu(group, "Enter Group");
        wait.until(ExpectedConditions.textToBe(CURRENT_GROUP, "customertrack-pipeline"));
        wait.until(driver -> driver.findElements(By.cssSelector("g.processor")).size() == expected.size());
        fitFlowIntoView();
        final List<String> shown = texts(browser.findElements(By.cssSelector("g.processor text.processor-name")));
        screenshot("09-pipeline-inside-group.png");

        assertEquals(expected.stream().sorted().toList(), shown.stream().sorted().toList());
        final List<String> stored = new ArrayList<>();
        for (final JsonNode processor : nifi.rest().get("/process-groups/" + groupId + "/processors").get("processors")) {
            stored.add(processor.at("/component/name").asText());
        }
        assertEquals(expected.stream().sorted().toList(), stored.stream().sorted().toList());
    }

    private static By tool(final String tooltip) {
        return By.cssSelector("new-canvas-item[tooltip='" + tooltip + "'] button.cdk-drag");
    }

    private static By processorNamed(final String name) {
        return svgComponent("processor", name);
    }

    /** A component drawn on the canvas (an SVG group of the given class) by the name it shows. */
    private static By svgComponent(final String type, final String name) {
        return By.xpath("//*[local-name()='g'][contains(@class, '" + type + " ')][*[local-name()='text'][contains(@class, '" + type
                + "-name')][text()='" + name + "']]");
    }

    /**
     * Drags a toolbar tool onto the canvas, dropping it at a point of the window (where the new component's top left
     * corner will be), and returns the dialog that opens. Angular CDK starts a drag only after the pointer moved a few
     * pixels while held, hence the small first move and the short pauses. Returns once the dialog shows its title.
     */
    private static WebElement dragToolOntoCanvas(final String tooltip, final Point drop) {
        final WebElement tool = wait.until(ExpectedConditions.elementToBeClickable(tool(tooltip)));
        final Rectangle start = tool.getRect();
        final int right = drop.getX() - (start.getX() + start.getWidth() / 2);
        final int down = drop.getY() - (start.getY() + start.getHeight() / 2);
        new Actions(browser).clickAndHold(tool).pause(Duration.ofMillis(250)).moveByOffset(10, 10).pause(Duration.ofMillis(250))
                .moveByOffset(right - 10, down - 10).pause(Duration.ofMillis(250)).release().perform();
        final WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
        // The dialog fades in: until it has, WebDriver reports its text as empty.
        wait.until(driver -> !dialog.findElement(By.tagName("h2")).getText().isBlank());
        return dialog;
    }

    /**
     * A free point of the canvas in a grid whose cell (0, 0) is ValidateCustomerRecord, wherever the view has put it
     * (leaving its usage page centres the view on it).
     */
    private static Point besideValidateCustomerRecord(final int column, final int row) {
        final Rectangle anchor = browser.findElement(processorNamed("ValidateCustomerRecord")).getRect();
        final int gap = 80;
        return new Point(anchor.getX() + column * (anchor.getWidth() + gap), anchor.getY() + row * (anchor.getHeight() + gap));
    }

    private static void addProcessor(final String type, final Point drop) {
        final WebElement dialog = dragToolOntoCanvas("Processor", drop);
        dialog.findElements(By.tagName("input")).get(0).sendKeys(type);
        final WebElement row = wait.until(driver -> {
            final List<WebElement> rows = dialog.findElements(By.cssSelector("tbody tr"));
            return rows.size() == 1 && rows.get(0).getText().contains(type) ? rows.get(0) : null;
        });
        row.click();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("mat-dialog-container .selected-type-name"), type));
        dialog.findElement(By.xpath(".//button[normalize-space(.)='Add']")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("mat-dialog-container")));
        wait.until(ExpectedConditions.presenceOfElementLocated(processorNamed(type)));
    }

    /** Collapses the Navigation and Operation palettes, which float over the canvas, and fits the flow into the view. */
    private static void fitFlowIntoView() {
        final By canvas = By.cssSelector("svg.canvas-svg g#canvas");
        final String before = browser.findElement(canvas).getDomAttribute("transform");
        browser.findElement(By.cssSelector(".operation-control-header")).click();
        browser.findElement(By.xpath("//navigation-control//button[i[contains(@class, 'icon-zoom-fit')]]")).click();
        browser.findElement(By.cssSelector(".navigation-control-header")).click();
        // The zoom is animated: wait until the canvas's transform has changed and then holds still between two polls.
        final AtomicReference<String> last = new AtomicReference<>(before);
        wait.until(driver -> {
            final String current = driver.findElement(canvas).getDomAttribute("transform");
            return !current.equals(before) && current.equals(last.getAndSet(current));
        });
    }

    private static void contextMenu(final WebElement component, final String item) {
        new Actions(browser).contextClick(component).perform();
        wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[@role='menuitem'][normalize-space(.)='" + item + "']"))).click();
    }

    private static boolean fitsWithoutClamping(final WebElement element) {
        return (Boolean) ((JavascriptExecutor) browser).executeScript("return arguments[0].scrollHeight <= arguments[0].clientHeight;", element);
    }

    private static void screenshot(final String name) {
        try {
            Files.write(SCREENSHOTS.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        } catch (final IOException e) {
            throw new IllegalStateException("cannot write screenshot " + name, e);
        }
    }

    private static List<String> texts(final List<WebElement> elements) {
        return elements.stream().map(element -> element.getText().strip()).toList();
    }

    private static List<String> attributes(final List<WebElement> elements, final String attribute) {
        return elements.stream().map(element -> element.getDomAttribute(attribute)).toList();
    }

    /** The rule codes of the markdown's rules table: its rows start with a code in backticks. */
    private static List<String> ruleCodes(final String markdown) {
        final List<String> codes = new ArrayList<>();
        final Matcher row = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(markdown);
        while (row.find()) {
            codes.add(row.group(1));
        }
        return codes;
    }

    /** A markdown paragraph as the rendered page shows its text: without emphasis and code marks, on one line. */
    private static String plainText(final String markdown) {
        return normalized(markdown.replace("**", "").replace("`", "").replaceAll("(?<![\\w*])\\*(\\S[^*]*\\S)\\*", "$1"));
    }

    private static String normalized(final String text) {
        return text.replaceAll("\\s+", " ").strip();
    }
}

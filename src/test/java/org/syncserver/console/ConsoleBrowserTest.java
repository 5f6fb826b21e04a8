package org.syncserver.console;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.syncserver.config.RealmConfig;
import org.syncserver.support.Accounts;
import org.syncserver.support.Accounts.Device;
import org.syncserver.support.ConsoleClient;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestConfig;
import org.syncserver.support.TestPostgres;
import org.syncserver.support.TestServer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The console's pages in a real headless Chromium (Debian's chromium and chromium-driver): an operator logs in,
 * searches, opens a user, revokes a device, deletes a user and finds both in the audit log; a hostile user name
 * shows as text. The realm holds people with phones and tablets, rows and a conflict, as a real one does, so that
 * the screenshot of each page (in target/console-screenshots, for review; 04-user.png is README's
 * docs/console-user.png) shows what an operator will see. Skipped, and counted as skipped, without Chromium.
 */
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private static RealmConfig realm;
    private static TestServer server;
    private static Accounts accounts;
    private static WebDriver browser;
    private static Path profile;

    @BeforeAll
    static void start() throws IOException {
        if (!chromiumInstalled()) {
            return; // each test is then skipped, and counted as skipped (an abort here would count no test at all)
        }
        realm = TestPostgres.newRealm("default");
        server = TestConfig.realms(realm).admin(ConsoleClient.admin(1_000)).start();
        accounts = new Accounts(server);
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Headless, and nothing that reaches out to Google's services: this machine's network is closed.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        seedRealisticUsers();
        logIn();
    }

    @BeforeEach
    void needsChromium() {
        Assumptions.assumeTrue(chromiumInstalled(), "no Chromium at " + CHROMIUM + " with its driver at "
                + CHROMEDRIVER + " (Debian: apt-get install chromium chromium-driver)");
    }

    private static boolean chromiumInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theUserPageNamesDevicesAsPeopleDoAndSaysWhichDeviceWonAConflict() {
        open("/realms");
        assertThat(browser.findElement(By.tagName("table")).getText()).contains("default").contains("ready");
        screenshot("02-realms");
        browser.findElement(By.linkText("default")).click();
        browser.findElement(By.id("q")).sendKeys("example.org");
        browser.findElement(By.cssSelector("form.search button")).click();
        screenshot("03-user-search");
        browser.findElement(By.partialLinkText(ADA)).click();

        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(ADA);
        String devices = browser.findElements(By.tagName("table")).get(0).getText();
        assertThat(devices).contains("Pixel 8 · Android 15", "iPad Air · iOS 18.1").doesNotContain("systemName")
                .doesNotContain("Release lock");
        String conflicts = browser.findElements(By.tagName("table")).get(2).getText();
        assertThat(conflicts).contains("skipped", "todos").contains("Pixel 8 · Android 15 updated")
                .contains("iPad Air · iOS 18.1 updated");
        browser.manage().window().setSize(new Dimension(1280, 1050)); // the whole page, conflicts included
        try {
            screenshot("04-user");
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 900));
        }
    }

    @Test
    void theRealmsPageLeadsToItsDevicesAndItsSharedSpaces() {
        open("/realms");
        browser.findElement(By.linkText("devices")).click();
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Devices of default");
        screenshot("10-devices");
        open("/realms");
        browser.findElement(By.linkText("spaces")).click();
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Shared spaces of default");
        assertThat(browser.findElement(By.tagName("table")).getText()).contains("No space.");
        screenshot("11-spaces");
    }

    @Test
    void anOperatorSearchesOpensAUserAndRevokesTheirDevice() {
        Device device = newUser("grace.hopper@example.org", "Grace Hopper", "Galaxy S24", "ANDROID", "14");
        SyncDevice phone = new SyncDevice(server, device, false);
        phone.insert(Map.of("title", "Find the moth in relay 70"));
        phone.sync();

        open("/realms/default/users");
        browser.findElement(By.id("q")).sendKeys("grace");
        browser.findElement(By.cssSelector("form.search button")).click();
        browser.findElement(By.partialLinkText("grace.hopper")).click();
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(device.email());
        assertThat(browser.getPageSource()).contains("Grace Hopper").contains(device.clientId().toString());
        browser.findElement(By.linkText("Revoke")).click();
        assertThat(shown(By.cssSelector(".confirm")).getText()).contains("Revoke device")
                .contains(device.email()).contains("The user's rows stay");
        screenshot("05-confirm-revoke");
        browser.findElement(By.id("confirm")).click();

        assertThat(shown(By.cssSelector(".done")).getText()).startsWith("Device revoked");
        assertThat(accounts.refresh("default", phone.account().refreshToken()).status()).isEqualTo(403);
        assertThat(TestPostgres.count(realm, "sync_rows")).isPositive();
    }

    @Test
    void anOperatorDeletesAUserAndFindsTheActionInTheAuditLog() {
        Device device = newUser("alan.turing@example.org", "Alan Turing", "Pixel 7a", "ANDROID", "14");
        UUID userId = userIdOf(device);

        open("/realms/default/users/" + userId);
        browser.findElement(By.partialLinkText("Delete user")).click();
        assertThat(shown(By.cssSelector(".confirm")).getText()).contains("cannot be undone");
        screenshot("06-confirm-delete");
        browser.findElement(By.id("confirm")).click();

        assertThat(shown(By.cssSelector(".done")).getText()).startsWith("User deleted");
        assertThat(TestPostgres.count(realm, "users WHERE id = '" + userId + "'")).isZero();
        browser.findElement(By.linkText("Audit log")).click();
        String audit = browser.findElement(By.tagName("table")).getText();
        assertThat(audit).contains("delete-user").contains("user " + userId).contains(ConsoleClient.OPERATOR)
                .contains("127.0.0.1");
        screenshot("07-audit-log");
    }

    @Test
    void aHostileUserNameAndDeviceDescriptionShowAsText() {
        String hostile = "<img src=x onerror=alert(1)>";
        Device device = newUser("browser-xss@example.com", hostile, hostile + " <script>alert(2)</script>", "ANDROID",
                "15");

        open("/realms/default/users?q=browser-xss");
        assertThat(browser.findElement(By.tagName("table")).getText()).contains(hostile);
        open("/realms/default/users/" + userIdOf(device));

        assertThat(browser.findElement(By.tagName("dl")).getText()).contains(hostile);
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThat(browser.findElements(By.tagName("script"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        screenshot("08-hostile-user");
        browser.manage().window().setSize(new Dimension(390, 844));
        try {
            open("/realms/default/users/" + userIdOf(device));
            screenshot("09-user-on-a-phone");
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 900));
        }
    }

    private static void logIn() {
        open("/login");
        screenshot("01-login");
        browser.findElement(By.id("name")).sendKeys(ConsoleClient.OPERATOR);
        browser.findElement(By.id("password")).sendKeys(ConsoleClient.PASSWORD);
        browser.findElement(By.id("login")).click();
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Realms");
    }

    /** The element, once the page a form led to has loaded it (a click on submit does not wait for that). */
    private static org.openqa.selenium.WebElement shown(By element) {
        return new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(ExpectedConditions.presenceOfElementLocated(element));
    }

    private static void open(String path) {
        browser.get(server.consoleUri(path).toString());
    }

    private static void screenshot(String name) {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        try {
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String ADA = "ada.lovelace@example.org";

    /**
     * People as a realm has them: Ada with a phone and a tablet, three tasks and one conflict (her tablet,
     * its clock an hour behind, edited a task she had already changed on her phone); others with a device each.
     */
    private static void seedRealisticUsers() {
        Device adaPhone = newUser(ADA, "Ada Lovelace", "Pixel 8", "ANDROID", "15");
        Device adaTablet = newDevice(ADA, "iPad Air", "iOS", "18.1");
        SyncDevice phone = new SyncDevice(server, adaPhone, false);
        SyncDevice tablet = new SyncDevice(server, adaTablet, false);
        UUID notes = phone.insert(Map.of("title", "Notes on the Analytical Engine", "done", false));
        phone.insert(Map.of("title", "Translate Menabrea's paper", "done", true));
        phone.insert(Map.of("title", "Table of Bernoulli numbers", "done", false));
        phone.sync();
        tablet.sync();
        phone.update(notes, Map.of("title", "Notes on the Analytical Engine, A to G", "done", false));
        phone.sync();
        tablet.skewClock(-3_600_000);
        tablet.update(notes, Map.of("title", "Notes, draft", "done", false));
        tablet.sync();
        newUser("charles.babbage@example.org", "Charles Babbage", "iPhone 15", "iOS", "18.1");
        newUser("mary.somerville@example.org", "Mary Somerville", "Galaxy Tab S9", "ANDROID", "14");
    }

    /** A user whose e-mail, name and first device the test chooses (name and description are what a user controls). */
    private static Device newUser(String email, String name, String deviceName, String system, String version) {
        UUID clientId = UUID.randomUUID();
        Map<String, Object> registration = new java.util.HashMap<>(
                Accounts.registration(email, "secret password", clientId, true));
        registration.put("name", name);
        registration.put("clientDescription", description(deviceName, system, version));
        assertThat(server.post("/register/default", registration).status()).isEqualTo(200);
        return accounts.loggedIn("default", email, "secret password", clientId);
    }

    private static Device newDevice(String email, String deviceName, String system, String version) {
        UUID clientId = UUID.randomUUID();
        Map<String, Object> registration = new java.util.HashMap<>(
                Accounts.registration(email, "secret password", clientId, false));
        registration.put("clientDescription", description(deviceName, system, version));
        assertThat(server.post("/register/default", registration).status()).isEqualTo(200);
        return accounts.loggedIn("default", email, "secret password", clientId);
    }

    /** As sync_client registers a device: a JSON text. */
    private static String description(String deviceName, String system, String version) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                    Map.of("name", deviceName, "systemName", system, "systemVersion", version));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UUID userIdOf(Device device) {
        return (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
    }
}

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
 * shows as text. A screenshot of each page goes to target/console-screenshots for review. Skipped, saying so, on a
 * machine without Chromium.
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
    void anOperatorSearchesOpensAUserAndRevokesTheirDevice() {
        Device device = newUser("browser-revoke", "Ada Lovelace");
        SyncDevice phone = new SyncDevice(server, device, false);
        phone.insert(Map.of("title", "a row"));
        phone.sync();

        open("/realms");
        assertThat(browser.findElement(By.tagName("table")).getText()).contains("default").contains("ready");
        screenshot("02-realms");
        browser.findElement(By.linkText("default")).click();
        browser.findElement(By.id("q")).sendKeys("browser-revoke");
        browser.findElement(By.cssSelector("form.search button")).click();
        screenshot("03-user-search");
        browser.findElement(By.partialLinkText("browser-revoke")).click();
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo(device.email());
        assertThat(browser.getPageSource()).contains("Ada Lovelace").contains(device.clientId().toString());
        screenshot("04-user");
        browser.findElement(By.linkText("Revoke")).click();
        assertThat(browser.findElement(By.cssSelector(".confirm")).getText()).contains("Revoke device")
                .contains(device.email()).contains("The user's rows stay");
        screenshot("05-confirm-revoke");
        browser.findElement(By.id("confirm")).click();

        assertThat(browser.findElement(By.cssSelector(".done")).getText()).startsWith("Device revoked");
        assertThat(accounts.refresh("default", phone.account().refreshToken()).status()).isEqualTo(403);
        assertThat(TestPostgres.count(realm, "sync_rows")).isPositive();
    }

    @Test
    void anOperatorDeletesAUserAndFindsTheActionInTheAuditLog() {
        Device device = newUser("browser-delete", "Grace Hopper");
        UUID userId = userIdOf(device);

        open("/realms/default/users/" + userId);
        browser.findElement(By.partialLinkText("Delete user")).click();
        assertThat(browser.findElement(By.cssSelector(".confirm")).getText()).contains("cannot be undone");
        screenshot("06-confirm-delete");
        browser.findElement(By.id("confirm")).click();

        assertThat(browser.findElement(By.cssSelector(".done")).getText()).startsWith("User deleted");
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
        Device device = newUser("browser-xss", hostile);

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

    /** A user whose name and device description the test chooses (they are what a hostile user controls). */
    private static Device newUser(String tag, String name) {
        String email = tag + "-" + UUID.randomUUID() + "@example.com";
        UUID clientId = UUID.randomUUID();
        Map<String, Object> registration = new java.util.HashMap<>(
                Accounts.registration(email, "secret password", clientId, true));
        registration.put("name", name);
        registration.put("clientDescription", "{\"name\":\"" + name.replace("\"", "\\\"")
                + " <script>alert(2)</script>\",\"systemName\":\"ANDROID\"}");
        assertThat(server.post("/register/default", registration).status()).isEqualTo(200);
        return accounts.loggedIn("default", email, "secret password", clientId);
    }

    private static UUID userIdOf(Device device) {
        return (UUID) TestPostgres.queryValue(realm,
                "SELECT userid FROM user_clients WHERE clientid = '" + device.clientId() + "'");
    }
}

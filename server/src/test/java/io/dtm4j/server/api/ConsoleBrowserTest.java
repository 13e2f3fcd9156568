package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's chromium, headless, through its chromedriver; `.ci/run`
 * installs both): sign in, find a transaction by gid prefix, see its failing branch's last error,
 * retry it, see it succeed, find the action in the audit log; a viewer sees no action. Screenshots
 * of the pages go to target/console-screenshots. The console lives below an {@code AdminBasePath}. The refusal of non-loopback clients is decided on
 * the request's remote address (ConsoleApiTest), not driven from here.
 */
class ConsoleBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "console-screenshots");
    /** dtm's AdminBasePath, as behind a proxy that serves the console under a sub-path: the page's URLs are relative. */
    static final String BASE = "/ops/dtm";

    static TestServer dtm;
    static BusinessStub busi;
    static WebDriver browser;
    static WebDriverWait wait;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "chromium and chromium-driver are not installed (.ci/run installs them)");
        String users = "alice:operator:" + ConsoleUsers.hash("alice-password") + ",bob:viewer:"
                + ConsoleUsers.hash("bob-password");
        dtm = new TestServer(c -> Configs.security(
                c,
                new ServerConfig.Security(
                        ApiTokens.NONE,
                        ServerConfig.Tls.NONE,
                        new ServerConfig.Console(
                                ConsoleUsers.parse(users), false, "", 60, BASE, ServerConfig.Oidc.NONE))));
        busi = new BusinessStub();
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1300");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (dtm != null) {
            dtm.close();
            busi.close();
        }
    }

    static void signIn(String name, String password) {
        browser.get(dtm.baseUrl() + BASE + "/");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("name"))).sendKeys(name);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("gid-prefix")));
    }

    static void signOut() {
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("name")));
    }

    static void screenshot(String page) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(page + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void submitFailingSaga(String gid) {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga(gid)
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{\"amount\":30}")
                        .body());
        Awaitility.await().until(() -> dtm.nextCronInterval(gid) == 20); // its first round failed
    }

    @Test
    void anOperatorFindsAFailingTransactionRetriesItAndTheAuditLogSaysSo() throws IOException {
        String gid = "order-1001";
        submitFailingSaga(gid);
        submitFailingSaga("order-1002");
        signIn("alice", "alice-password");

        WebElement prefix = browser.findElement(By.id("gid-prefix"));
        prefix.sendKeys("order-100");
        browser.findElement(By.id("apply")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transactions"), "order-1002"));
        screenshot("transactions");
        // a creation time range that ends before them hides them; cleared, they are back
        ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("document.getElementById('createdTo').value = '2025-12-31T00:00:00'");
        browser.findElement(By.id("apply")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "No transactions."));
        ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("document.getElementById('createdTo').value = ''");
        browser.findElement(By.id("apply")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transactions"), "order-1002"));

        browser.findElement(By.linkText(gid)).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("attempts"), "internal error"));
        screenshot("detail");

        busi.alwaysFor(gid, "TransOut", Reply.SUCCESS); // the service is fixed
        browser.findElement(By.id("retry")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("action-result"), "retry: done"));
        dtm.cron(); // the scheduler's pass: the retried round runs
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("fields"), "succeed")); // live refresh
        assertThat(dtm.status(gid)).isEqualTo("succeed");

        browser.findElement(By.id("nav-audit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "retry"));
        String audit = browser.findElement(By.id("audit")).getText();
        assertThat(audit).contains("alice", "retry", gid, "done");
        screenshot("audit");

        dtm.clock.advance(Duration.ofMinutes(11)); // order-1002 is still failing: stuck now
        browser.findElement(By.id("nav-overview")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stuck"), "order-1002"));
        assertThat(browser.findElement(By.id("stuck")).getText()).doesNotContain(gid);
        assertThat(browser.findElement(By.id("counts")).getText()).contains("submitted", "succeed");
        screenshot("overview");
        signOut();
    }

    @Test
    void anOperatorSubscribesUnsubscribesAndDeletesATopic() throws IOException {
        signIn("alice", "alice-password");
        browser.findElement(By.id("nav-topics")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("topic"))).sendKeys("orders");
        browser.findElement(By.id("topic-url")).sendKeys(busi.url("TransIn"));
        browser.findElement(By.id("topic-remark")).sendKeys("stock service");
        browser.findElement(By.id("subscribe")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("topics"), busi.url("TransIn")));
        assertThat(dtm.get("/api/dtmsvr/queryKV?cat=topics&key=orders").body()).contains(busi.url("TransIn"));
        screenshot("topics");

        browser.findElement(By.xpath("//table[@id='topics']//button[text()='Unsubscribe']"))
                .click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("topics"), "no subscriber"));
        browser.findElement(By.xpath("//table[@id='topics']//button[text()='Delete topic']"))
                .click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("topic-result"), "delete: done"));
        assertThat(dtm.get("/api/dtmsvr/queryKV?cat=topics&key=orders").body()).isEqualTo("{\"kv\":[]}");
        signOut();
    }

    @Test
    void aViewerSeesATransactionButNoAction() throws IOException {
        String gid = "order-2001";
        submitFailingSaga(gid);
        signIn("bob", "bob-password");

        browser.get(dtm.baseUrl() + BASE + "/admin/#/t/" + gid);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("attempts"), "internal error"));
        assertThat(browser.findElements(By.id("retry"))).isEmpty();
        assertThat(browser.findElements(By.id("stop"))).isEmpty();
        assertThat(browser.findElement(By.tagName("main")).getText()).contains("can only read");
        screenshot("viewer");
        signOut();
    }
}

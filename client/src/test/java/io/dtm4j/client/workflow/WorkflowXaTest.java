package io.dtm4j.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.client.xa.XaTestDatabase;
import io.dtm4j.client.xa.XaTestDatabases;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * XA steps inside workflows ({@link Workflow#doXa}, docs/protocol.md §8.6 step 10, §19.5
 * TestWorkflowXa*) against the real server and real XA on MySQL/MariaDB and PostgreSQL: the step's
 * transaction is prepared during the run and committed or rolled back with the workflow; a resumed
 * workflow replays it; a run that stopped after the step's business was recorded rolls back.
 */
class WorkflowXaTest {
    private static final long START = 10_000;
    /** Prepared transactions are server-wide: this class's xids must not start with another class's. */
    private static final String XID_PREFIX = "client-xw-";

    private static WorkflowFixture fx;
    private static final XaTestDatabases DATABASES = new XaTestDatabases(XID_PREFIX, db -> {});
    /** Makes the next PREPARE of the wrapped data sources fail, as a crash right before it would. */
    private static final AtomicBoolean FAIL_NEXT_PREPARE = new AtomicBoolean();

    @BeforeAll
    static void start() {
        fx = new WorkflowFixture();
    }

    @AfterAll
    static void stop() throws SQLException {
        fx.close();
        DATABASES.close();
    }

    private static XaTestDatabase database(String driver) throws SQLException {
        return DATABASES.get(driver, START);
    }

    private static XaLocalTransaction xa(XaTestDatabase db) {
        return XaLocalTransaction.of(failingPrepareOnDemand(db.dataSource()));
    }

    /** An XA step adding {@code amount} to {@code user}. */
    private static XaStep adjust(XaTestDatabase db, int user, long amount) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement(db.adjustBalance())) {
                ps.setLong(1, amount);
                ps.setInt(2, user);
                ps.executeUpdate();
            }
            return ("user " + user).getBytes();
        };
    }

    private static String gid(String scenario, String driver) {
        return XID_PREFIX + scenario + "-" + driver + "-" + System.nanoTime();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void xaStepsArePreparedDuringTheRunAndCommittedWhenTheWorkflowSucceeds(String driver) throws Exception {
        XaTestDatabase db = database(driver);
        String gid = gid("commit", driver);
        String name = "wf-xa-commit-" + driver;
        fx.workflows.register(name, (wf, data) -> {
            byte[] out = wf.newBranch().doXa(xa(db), adjust(db, 1, -30));
            wf.newBranch().doXa(xa(db), adjust(db, 2, 30));
            assertThat(db.preparedXids(wf.gid())).containsExactlyInAnyOrder(wf.gid() + "-01", wf.gid() + "-02");
            assertThat(db.balance(1)).isEqualTo(START); // prepared, not committed yet
            return out;
        });

        byte[] result = fx.workflows.execute(name, gid, fx.input());

        assertThat(new String(result)).isEqualTo("user 1");
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.progress(gid))
                .containsExactly(
                        "01-business S", "01-action S", "02-business S", "02-action S", "02-commit S", "01-commit S");
        assertThat(db.balance(1)).isEqualTo(START - 30);
        assertThat(db.balance(2)).isEqualTo(START + 30);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aFailingXaStepRollsBackTheOnesPreparedBeforeIt(String driver) throws Exception {
        XaTestDatabase db = database(driver);
        String gid = gid("rollback", driver);
        String name = "wf-xa-rollback-" + driver;
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().doXa(xa(db), adjust(db, 1, -30));
            wf.newBranch().doXa(xa(db), c -> {
                adjust(db, 2, 30).run(c);
                throw new DtmFailureException("user 2: account closed");
            });
            return null;
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("account closed");

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.progress(gid)).contains("01-action S", "02-action F", "01-rollback S");
        assertThat(fx.progress(gid)).doesNotContain("02-business S");
        assertThat(db.balance(1)).isEqualTo(START);
        assertThat(db.balance(2)).isEqualTo(START);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aResumedWorkflowReplaysItsPreparedXaStepAndCommitsIt(String driver) throws Exception {
        XaTestDatabase db = database(driver);
        String gid = gid("resume", driver);
        String name = "wf-xa-resume-" + driver;
        AtomicInteger xaRuns = new AtomicInteger();
        AtomicInteger laterRuns = new AtomicInteger();
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().doXa(xa(db), c -> {
                xaRuns.incrementAndGet();
                return adjust(db, 1, -30).run(c);
            });
            wf.newBranch().doAction(bb -> {
                if (laterRuns.incrementAndGet() == 1) {
                    throw new DtmOngoingException("stock not reserved yet");
                }
                return null;
            });
            return null;
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmOngoingException.class);
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(db.preparedXids(gid)).containsExactly(gid + "-01");

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(xaRuns).hasValue(1);
        assertThat(laterRuns).hasValue(2);
        assertThat(db.balance(1)).isEqualTo(START - 30);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aRunThatStoppedAfterTheXaBusinessWasRecordedIsRolledBackOnResume(String driver) throws Exception {
        XaTestDatabase db = database(driver);
        String gid = gid("stopped", driver);
        String name = "wf-xa-stopped-" + driver;
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().doXa(xa(db), adjust(db, 1, -30));
            return null;
        });
        FAIL_NEXT_PREPARE.set(true);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(DtmException.class)
                .hasMessageContaining("injected");
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(fx.progress(gid)).containsExactly("01-business S");

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("not resumable");
        assertThat(fx.progress(gid)).containsExactly("01-business S", "01-action F", "01-rollback S");
        assertThat(db.balance(1)).isEqualTo(START);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @Test
    void anXaStepNeedsABranchWithoutCallbacksOfItsOwn() {
        String name = "wf-xa-misuse";
        XaLocalTransaction unused = XaLocalTransaction.of(new org.postgresql.ds.PGSimpleDataSource());
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().onRollback(bb -> {});
            return wf.doXa(unused, c -> null);
        });

        String gid = WorkflowFixture.gid(name);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("an XA step needs a branch of its own");
        fx.forceStop(gid);
    }

    /** {@code db} whose statements fail once at PREPARE while {@link #FAIL_NEXT_PREPARE} is set. */
    private static DataSource failingPrepareOnDemand(DataSource db) {
        return proxy(
                DataSource.class,
                db,
                (name, result) -> name.equals("getConnection")
                        ? proxy(
                                Connection.class,
                                result,
                                (n, r) -> n.equals("createStatement") ? failingPrepare((Statement) r) : r)
                        : result);
    }

    private static Statement failingPrepare(Statement statement) {
        return (Statement) Proxy.newProxyInstance(
                Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, (p, method, args) -> {
                    if (method.getName().equals("execute")
                            && args[0].toString().contains("PREPARE")
                            && FAIL_NEXT_PREPARE.compareAndSet(true, false)) {
                        throw new SQLException("injected: the application stopped before prepare");
                    }
                    return invoke(statement, method, args);
                });
    }

    /** A proxy of {@code target} passing each call's result through {@code wrap}. */
    @SuppressWarnings("unchecked")
    private static <T> T proxy(
            Class<T> type, Object target, java.util.function.BiFunction<String, Object, Object> wrap) {
        return (T) Proxy.newProxyInstance(
                type.getClassLoader(),
                new Class<?>[] {type},
                (p, method, args) -> wrap.apply(method.getName(), invoke(target, method, args)));
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}

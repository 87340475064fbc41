package dev.keel.test;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link KeelPostgres}: one shared server per run, a fresh database per test
 * class (with its migrations applied), and leak checks. A connection a test opens and leaves open fails
 * that test; one opened during class setup and left open, or any other backend still connected when the
 * class ends, fails the class.
 */
public final class KeelPostgresExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KeelPostgresExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        SharedServer server = context.getRoot().getStore(NS)
                .getOrComputeIfAbsent(SharedServer.class, k -> SharedServer.start(), SharedServer.class);
        Class<?> testClass = context.getRequiredTestClass();
        TestDatabase db = server.createDatabase(testClass.getSimpleName());
        context.getStore(NS).put(TestDatabase.class, db);
        KeelPostgres config = annotation(context);
        for (String location : config.migrations()) {
            Path folder = MigrationFolder.resolve(location, testClass);
            try (Connection c = db.connect()) {
                MigrationFolder.apply(c, folder);
            }
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        database(context).scope(context.getUniqueId());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestDatabase db = database(context);
        db.scope("class teardown");
        List<Throwable> leaks = db.closeLeaks(context.getUniqueId());
        if (!leaks.isEmpty() && annotation(context).failOnLeakedConnections()) {
            throw leakError(leaks.size() + " connection(s) to " + db.name() + " left open by "
                    + context.getDisplayName(), leaks);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        TestDatabase db = database(context);
        SharedServer server = context.getRoot().getStore(NS).get(SharedServer.class, SharedServer.class);
        boolean check = annotation(context).failOnLeakedConnections();
        List<Throwable> leaks = db.closeLeaks(null);
        int others = check ? waitForBackendsToGo(server, db.name()) : 0;
        server.dropDatabase(db);
        if (check && !leaks.isEmpty()) {
            throw leakError(leaks.size() + " connection(s) to " + db.name() + " left open by "
                    + context.getDisplayName() + " after its tests", leaks);
        }
        if (others > 0) {
            throw new AssertionError(others + " connection(s) to " + db.name() + " still open after "
                    + context.getRequiredTestClass().getSimpleName() + " (opened outside TestDatabase, e.g. a pool that was not closed)");
        }
    }

    // Closing a connection ends its backend asynchronously; give the server a moment before calling it a leak.
    private static int waitForBackendsToGo(SharedServer server, String database) throws Exception {
        int others = server.otherBackends(database);
        for (int i = 0; i < 40 && others > 0; i++) {
            Thread.sleep(50);
            others = server.otherBackends(database);
        }
        return others;
    }

    private static AssertionError leakError(String message, List<Throwable> leaks) {
        AssertionError error = new AssertionError(message);
        leaks.forEach(error::addSuppressed);
        return error;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestDatabase db = database(context);
        if (db == null) {
            throw new ParameterResolutionException("no test database: annotate the class with @KeelPostgres");
        }
        return db;
    }

    private static TestDatabase database(ExtensionContext context) {
        return context.getStore(NS).get(TestDatabase.class, TestDatabase.class);
    }

    private static KeelPostgres annotation(ExtensionContext context) {
        return AnnotationSupport.findAnnotation(context.getRequiredTestClass(), KeelPostgres.class)
                .orElseThrow(() -> new IllegalStateException("KeelPostgresExtension needs @KeelPostgres"));
    }
}

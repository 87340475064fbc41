package dev.keel.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a fresh database on a real PostgreSQL server. One server runs per JVM
 * (started at first use, stopped when the test run ends); each test class gets its own database, dropped
 * afterwards. Test methods, lifecycle methods and constructors receive it as a {@link TestDatabase}
 * parameter. A connection left open by a test fails that test.
 *
 * <pre>{@code
 * @KeelPostgres(migrations = "db/migrations")
 * class OrderRepositoryIT {
 *     @Test
 *     void savesAnOrder(TestDatabase db) throws SQLException {
 *         try (Connection c = db.connect()) { ... }
 *     }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(KeelPostgresExtension.class)
public @interface KeelPostgres {

    /**
     * Folders of Flyway-named SQL migrations to apply to the class's database before its tests: V files in
     * version order, then R files by name. A path is tried relative to the working directory and each of its
     * parents; {@code classpath:db/migrations} reads from the test class path. Empty: no migrations.
     */
    String[] migrations() default {};

    /** Fail a test that leaves a connection open (default true). */
    boolean failOnLeakedConnections() default true;
}
